// The spans in an OTLP/HTTP protobuf export (an ExportTraceServiceRequest), read back by the
// stress run's fake collector and the exporting lesson's OTLP receiver (otlp-receiver.ts). @opentelemetry/otlp-transformer only writes this message (its
// reader is internal and reads responses), so here is the little of the wire format it takes:
// varints, 64-bit and 32-bit fixed fields, and length-delimited fields. Field numbers are those
// of opentelemetry-proto's trace.proto and common.proto.

export type OtlpValue = string | number | boolean | Uint8Array | OtlpValue[] | { [key: string]: OtlpValue } | null;

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  attributes: Record<string, OtlpValue>;
  /** attributes the SDK dropped over its span limits (OpenTelemetry keeps 128 by default) */
  droppedAttributesCount: number;
  events: Array<{ name: string; attributes: Record<string, OtlpValue> }>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error */
  status: { code: number; message: string };
  /** attributes of the resource that sent it (service.name, openinference.project.name) */
  resource: Record<string, OtlpValue>;
}

export const SPAN_KIND_SERVER = 2;
export const STATUS_UNSET = 0;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

/** One protobuf field: its number and either a number (varint/fixed) or its bytes (length-delimited). */
interface Field {
  number: number;
  value: number | Uint8Array;
  /** the 8 raw bytes of a 64-bit field (a double, or a fixed64 time) */
  fixed64?: DataView;
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= bytes.length) throw new Error("protobuf: a varint runs past the end of the message");
      const byte = bytes[pos++]!;
      result += (byte & 0x7f) * scale; // no bit operators: values above 2^31 (times) stay right
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 0) yield { number, value: varint() };
    else if (wireType === 1) {
      if (pos + 8 > bytes.length) throw new Error("protobuf: a 64-bit field runs past the end");
      const fixed64 = new DataView(bytes.buffer, bytes.byteOffset + pos, 8);
      yield { number, value: fixed64.getUint32(0, true) + fixed64.getUint32(4, true) * 2 ** 32, fixed64 };
      pos += 8;
    } else if (wireType === 2) {
      const length = varint();
      if (pos + length > bytes.length) throw new Error("protobuf: a length-delimited field runs past the end");
      yield { number, value: bytes.subarray(pos, pos + length) };
      pos += length;
    } else if (wireType === 5) {
      if (pos + 4 > bytes.length) throw new Error("protobuf: a 32-bit field runs past the end");
      yield { number, value: view.getUint32(pos, true) };
      pos += 4;
    } else throw new Error(`protobuf: wire type ${wireType} is not used by OTLP`);
  }
}

const utf8 = new TextDecoder();
const text = (value: number | Uint8Array) => (typeof value === "number" ? "" : utf8.decode(value));
const hex = (value: number | Uint8Array) => (typeof value === "number" ? "" : Buffer.from(value).toString("hex"));
const bytesOf = (value: number | Uint8Array) => (typeof value === "number" ? new Uint8Array(0) : value);

/** AnyValue: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7. */
function anyValue(bytes: Uint8Array): OtlpValue {
  for (const field of fields(bytes)) {
    switch (field.number) {
      case 1:
        return text(field.value);
      case 2:
        return field.value === 1;
      case 3:
        return field.value as number;
      case 4:
        return field.fixed64!.getFloat64(0, true);
      case 5:
        return [...fields(bytesOf(field.value))].filter((item) => item.number === 1).map((item) => anyValue(bytesOf(item.value)));
      case 6:
        return keyValues([...fields(bytesOf(field.value))].filter((item) => item.number === 1).map((item) => bytesOf(item.value)));
      case 7:
        return bytesOf(field.value);
    }
  }
  return null;
}

/** KeyValue: key 1, value 2. */
function keyValues(list: Uint8Array[]): Record<string, OtlpValue> {
  const result: Record<string, OtlpValue> = {};
  for (const bytes of list) {
    let key = "";
    let value: OtlpValue = null;
    for (const field of fields(bytes)) {
      if (field.number === 1) key = text(field.value);
      if (field.number === 2) value = anyValue(bytesOf(field.value));
    }
    result[key] = value;
  }
  return result;
}

/** Span: ids 1, 2, 4; name 5; kind 6; times 7, 8; attributes 9, dropped 10; events 11; status 15. */
function span(bytes: Uint8Array, resource: Record<string, OtlpValue>): OtlpSpan {
  const result: OtlpSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startTimeUnixNano: 0,
    endTimeUnixNano: 0,
    attributes: {},
    droppedAttributesCount: 0,
    events: [],
    status: { code: STATUS_UNSET, message: "" },
    resource,
  };
  const attributes: Uint8Array[] = [];
  for (const field of fields(bytes)) {
    if (field.number === 1) result.traceId = hex(field.value);
    else if (field.number === 2) result.spanId = hex(field.value);
    else if (field.number === 4) result.parentSpanId = hex(field.value);
    else if (field.number === 5) result.name = text(field.value);
    else if (field.number === 6) result.kind = field.value as number;
    else if (field.number === 7) result.startTimeUnixNano = field.value as number;
    else if (field.number === 8) result.endTimeUnixNano = field.value as number;
    else if (field.number === 9) attributes.push(bytesOf(field.value));
    else if (field.number === 10) result.droppedAttributesCount = field.value as number;
    else if (field.number === 11) {
      // Event: time 1, name 2, attributes 3
      let name = "";
      const eventAttributes: Uint8Array[] = [];
      for (const part of fields(bytesOf(field.value))) {
        if (part.number === 2) name = text(part.value);
        if (part.number === 3) eventAttributes.push(bytesOf(part.value));
      }
      result.events.push({ name, attributes: keyValues(eventAttributes) });
    } else if (field.number === 15) {
      // Status: message 2, code 3
      for (const part of fields(bytesOf(field.value))) {
        if (part.number === 2) result.status.message = text(part.value);
        if (part.number === 3) result.status.code = part.value as number;
      }
    }
  }
  result.attributes = keyValues(attributes);
  return result;
}

/** Every span of an ExportTraceServiceRequest (resource_spans 1 > scope_spans 2 > spans 2). */
export function decodeTraceExport(bytes: Uint8Array): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of fields(bytes)) {
    if (resourceSpans.number !== 1) continue;
    let resource: Record<string, OtlpValue> = {};
    const scopes: Uint8Array[] = [];
    for (const field of fields(bytesOf(resourceSpans.value))) {
      if (field.number === 1) {
        resource = keyValues([...fields(bytesOf(field.value))].filter((part) => part.number === 1).map((part) => bytesOf(part.value)));
      }
      if (field.number === 2) scopes.push(bytesOf(field.value));
    }
    for (const scope of scopes) {
      for (const field of fields(scope)) if (field.number === 2) spans.push(span(bytesOf(field.value), resource));
    }
  }
  return spans;
}
