/**
 * Progress on stderr for long CLI runs: a bar redrawn in place when stderr is a terminal, plain
 * lines otherwise (CI logs), so pipes and files never receive control characters.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  /** `done` of `total` units (total unknown: undefined). */
  update(done: number, total?: number): void;
  finish(message?: string): void;
}

const WIDTH = 24;

export function createProgress(stream: ProgressStream, label: string, unit: string): Progress {
  let drawn = false;
  let lastLine = "";
  return {
    update(done, total) {
      if (stream.isTTY) {
        const ratio = total ? Math.min(1, done / total) : 0;
        const filled = Math.round(ratio * WIDTH);
        const bar = total ? `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ` : "";
        stream.write(`\r${label} ${bar}${done}${total ? `/${total}` : ""} ${unit}\x1b[K`);
        drawn = true;
      } else {
        const line = `${label}: ${done}${total ? `/${total}` : ""} ${unit}`;
        if (line !== lastLine) stream.write(`${line}\n`);
        lastLine = line;
      }
    },
    finish(message) {
      if (stream.isTTY && drawn) stream.write("\r\x1b[K");
      if (message) stream.write(`${message}\n`);
    },
  };
}
