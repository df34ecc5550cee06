// Makes .workbook/ unwritable in a repo copy, as a read-only or full disk would: a plain file
// stands where the folder should be (chmod is no help, since tests may run as root).
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Returns the function that puts the .workbook folder back as it was. */
export function blockProgressFolder(root: string): () => void {
  const folder = path.join(root, ".workbook");
  const aside = `${folder}-aside`;
  if (existsSync(folder)) renameSync(folder, aside);
  writeFileSync(folder, "");
  return () => {
    rmSync(folder);
    if (existsSync(aside)) renameSync(aside, folder);
  };
}
