// The chatbot's documents: a small travel guide to the eight cities the weather tool knows, four
// short entries each. Retrieval (lesson 12) searches them; each has an id the answer cites, the
// text the model reads, and metadata (which city, what about, where it comes from) that a
// RETRIEVER span records with it.

export interface GuideDocument {
  /** stable and readable: the answer cites it as [paris-rainy-day] */
  id: string;
  content: string;
  metadata: { city: string; topic: "sights" | "food" | "getting around" | "seasons"; source: string; updated: string };
}

const SOURCE = "workbook city guide";
const UPDATED = "2026-11-30";

function entry(id: string, city: string, topic: GuideDocument["metadata"]["topic"], content: string): GuideDocument {
  return { id, content, metadata: { city, topic, source: SOURCE, updated: UPDATED } };
}

export const CITY_GUIDE: readonly GuideDocument[] = [
  entry("paris-rainy-day", "Paris", "sights", "On a rainy day in Paris, spend it in the Louvre or the Musée d'Orsay: both museums open every day but one, the Louvre on Tuesday closed, Orsay on Monday."),
  entry("paris-food", "Paris", "food", "Paris bakeries sell croissants from 7 in the morning; for dinner, bistros in the Marais serve steak frites and onion soup."),
  entry("paris-metro", "Paris", "getting around", "The Paris metro runs from 5:30 until after midnight; a single ticket covers one trip with changes, and most sights are near a station."),
  entry("paris-seasons", "Paris", "seasons", "Paris is mild: spring and early autumn are the best seasons to visit, summer is warm and busy, winter grey and cold."),
  entry("tokyo-temples", "Tokyo", "sights", "In Tokyo, the Senso-ji temple in Asakusa is the oldest; the Meiji shrine stands in a forest beside Harajuku station."),
  entry("tokyo-food", "Tokyo", "food", "Tokyo has more starred restaurants than any city; for a cheap lunch, ramen counters and the food halls of department stores."),
  entry("tokyo-trains", "Tokyo", "getting around", "Tokyo trains are punctual and crowded at rush hour; a prepaid Suica card pays for the metro, buses and JR lines."),
  entry("tokyo-seasons", "Tokyo", "seasons", "Tokyo's cherry blossoms bloom in late March; June is the rainy season, and August is hot and humid."),
  entry("london-museums", "London", "sights", "London's big museums are free: the British Museum, the National Gallery, and in South Kensington the Natural History Museum."),
  entry("london-food", "London", "food", "In London, Borough Market sells lunch from every kitchen of the world; a Sunday roast in a pub is the local custom."),
  entry("london-underground", "London", "getting around", "The London Underground, the Tube, takes contactless bank cards; fares are capped per day, so a day of trips costs no more than a day ticket."),
  entry("london-seasons", "London", "seasons", "London's weather changes within the hour: carry an umbrella in every season; summer days are long and mild."),
  entry("new-york-parks", "New York", "sights", "In New York, Central Park covers 340 hectares in the middle of Manhattan; the High Line is a park built on an old railway."),
  entry("new-york-food", "New York", "food", "New York pizza is sold by the slice; bagels are a breakfast, and delis make pastrami sandwiches at any hour."),
  entry("new-york-subway", "New York", "getting around", "The New York subway runs all night, every night; tap a card or phone at the turnstile, and one fare covers a transfer to a bus."),
  entry("new-york-seasons", "New York", "seasons", "New York has four sharp seasons: humid summers, cold winters with snow, and autumn, the favourite, with colourful parks."),
  entry("sydney-harbour", "Sydney", "sights", "In Sydney, walk across the Harbour Bridge to the Opera House; a ferry to Manly gives the best view of the harbour."),
  entry("sydney-beaches", "Sydney", "sights", "Bondi is Sydney's famous beach; swim between the red and yellow flags, where lifeguards watch the water."),
  entry("sydney-transport", "Sydney", "getting around", "Sydney's trains, buses and ferries take the Opal card or a contactless bank card, with a weekly fare cap."),
  entry("sydney-seasons", "Sydney", "seasons", "Sydney's seasons are the reverse of Europe's: summer from December to February, mild winters in July."),
  entry("cairo-pyramids", "Cairo", "sights", "From Cairo, the pyramids of Giza are an hour by road; go at opening time, before the heat and the crowds."),
  entry("cairo-museum", "Cairo", "sights", "The Grand Egyptian Museum near Giza holds the treasures of Tutankhamun, the boy king's gold mask among them."),
  entry("cairo-food", "Cairo", "food", "Cairo's street food is koshari, rice, lentils and pasta with tomato sauce; falafel there is made of fava beans."),
  entry("cairo-seasons", "Cairo", "seasons", "Cairo is hot and dry; October to April is the pleasant season to visit, and summer afternoons pass 35 degrees."),
  entry("reykjavik-lagoon", "Reykjavik", "sights", "Near Reykjavik, the Blue Lagoon is a geothermal spa; book ahead, and leave rings at home, the water tarnishes silver."),
  entry("reykjavik-northern-lights", "Reykjavik", "sights", "Northern lights can be seen from Reykjavik between September and April, on clear dark nights away from the city's lights."),
  entry("reykjavik-food", "Reykjavik", "food", "Reykjavik's hot dog stand by the harbour is famous; lamb soup and skyr are the local comfort food."),
  entry("reykjavik-seasons", "Reykjavik", "seasons", "Reykjavik has almost 24 hours of daylight in June and about 4 in December; winter is milder than its latitude suggests."),
  entry("lima-ceviche", "Lima", "food", "Lima is the capital of ceviche: raw fish cured in lime juice, eaten at lunch, since cevicherias close in the afternoon."),
  entry("lima-miraflores", "Lima", "sights", "In Lima, the Miraflores district walks along cliffs over the Pacific; paragliders take off from the parks above the sea."),
  entry("lima-centre", "Lima", "sights", "Lima's historic centre, a UNESCO site, has the cathedral and the catacombs of the San Francisco monastery."),
  entry("lima-seasons", "Lima", "seasons", "Lima almost never sees rain; from June to October a grey sea fog, the garúa, covers the sky for weeks."),
];
