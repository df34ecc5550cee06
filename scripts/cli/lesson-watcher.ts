// Notices saves of the current lesson's source files: the ones with TODOs and every other
// module of its folder (a lesson's code is several modules, and it edits only some of them).
// fs.watch on the lesson *folder*, not the files: editors that save by writing a new file and
// renaming it over the old one (vim, JetBrains) replace the inode a file watcher holds. Events
// are debounced, since one save is often several events. A slow stat poll backs it up: on file systems where fs.watch stays
// silent (some network and container mounts) the poll still sees the save, and tells the UI so
// it can offer manual mode.
import { watch, statSync, type FSWatcher } from "node:fs";
import { lessonDir, lessonFile, type Lesson } from "../../shared/lessons/catalog.ts";
import { isSourceFile, lessonSourceFiles } from "./lesson-files.ts";

export interface LessonWatcherEvents {
  /** a change was seen; a check follows after the debounce */
  onChangeSeen(): void;
  /** the debounced change: time to check */
  onChange(): void;
  /** the poll saw a change that fs.watch did not report */
  onWatchSilent(): void;
}

// The events of one save come within a few ms of each other; a later one (a slow disk, an editor
// that writes in two steps) only means the check that started is stopped and started again.
export const DEBOUNCE_MS = 30;
export const POLL_MS = 1_000;
/** how long the poll waits for fs.watch's own event before it reports the change itself */
export const WATCH_GRACE_MS = 200;

export function watchLessonFiles(root: string, lesson: Lesson, events: LessonWatcherEvents): () => void {
  const folder = lessonDir(lesson, "lessons", root);
  let debounce: NodeJS.Timeout | undefined;
  let lastEventAt = 0;

  const changed = () => {
    lastEventAt = Date.now();
    events.onChangeSeen();
    clearTimeout(debounce);
    debounce = setTimeout(() => events.onChange(), DEBOUNCE_MS);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(folder, (_event, filename) => {
      // Some platforms give no filename; then any change in the folder counts. An editor's
      // temporary file (tracing.ts.swp, tracing.ts~) is not a source file: its rename is.
      if (filename === null || isSourceFile(filename.toString())) changed();
    });
    watcher.on("error", () => undefined);
  } catch {
    // No fs.watch here: the poll below still notices saves.
  }

  let fingerprint = fingerprintOf(root, lesson);
  let graceForWatch: NodeJS.Timeout | undefined;
  const poll = setInterval(() => {
    const now = fingerprintOf(root, lesson);
    if (now === fingerprint) return;
    fingerprint = now;
    // Give fs.watch a moment: its event normally arrives well before the poll.
    clearTimeout(graceForWatch);
    graceForWatch = setTimeout(() => {
      if (Date.now() - lastEventAt > POLL_MS * 2) {
        events.onWatchSilent();
        changed();
      }
    }, WATCH_GRACE_MS);
  }, POLL_MS);

  // Every timer goes: after a switch of lessons, the old lesson's watcher must not start a check.
  return () => {
    clearTimeout(debounce);
    clearTimeout(graceForWatch);
    clearInterval(poll);
    watcher?.close();
  };
}

/** The folder's source files, each with its time and size: a new, deleted or saved file changes it. */
function fingerprintOf(root: string, lesson: Lesson): string {
  return lessonSourceFiles(root, lesson)
    .map((file) => {
      try {
        const stat = statSync(lessonFile(lesson, "lessons", file, root));
        return `${file}:${stat.mtimeMs}:${stat.size}`;
      } catch {
        return `${file}:missing`;
      }
    })
    .join("|");
}
