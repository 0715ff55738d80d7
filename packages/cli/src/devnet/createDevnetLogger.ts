import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { formatDevnetLogLine } from './formatDevnetLogLine.js';

export type DevnetLogger = {
  /** The services' logger: give each its child (`logger.child({ service: 'relay' })`). */
  logger: Logger;
  /** Writes out what is buffered; call last when stopping. */
  close: () => void;
};

/**
 * The devnet's services (relay, nodes, bridge, explorer) log to one file, whole (JSON lines, stacks included, at
 * `level`), and their warnings and errors also to the terminal as one human line each (`formatDevnetLogLine`):
 * the terminal running `npm start` is for people, the file for debugging.
 *
 * @example
 * const logs = createDevnetLogger({ file: '.verinet/devnet/devnet.log', level: 'info', print: console.log });
 */
export function createDevnetLogger(parameters: {
  file: string;
  level: pino.LevelWithSilent;
  print: (line: string) => void;
}): DevnetLogger {
  mkdirSync(dirname(parameters.file), { recursive: true });
  const file = pino.destination({ dest: parameters.file, sync: false, append: true });
  const terminal = {
    write: (line: string) => parameters.print(formatDevnetLogLine(line)),
  };
  const streams: pino.StreamEntry[] = [{ level: 'warn', stream: terminal }];
  if (parameters.level !== 'silent') streams.push({ level: parameters.level, stream: file });
  const lowest = parameters.level === 'silent' ? 'warn' : lowerOf(parameters.level, 'warn');
  const logger = pino({ level: lowest }, pino.multistream(streams));
  return {
    logger,
    close: () => {
      try {
        file.flushSync();
      } catch {
        // Nothing was written yet (the file is opened lazily): nothing to flush.
      }
      file.end();
    },
  };
}

function lowerOf(a: pino.Level, b: pino.Level): pino.Level {
  return (pino.levels.values[a] ?? 0) <= (pino.levels.values[b] ?? 0) ? a : b;
}
