import { Worker } from 'node:worker_threads';

export type MainThreadWatch = {
  /** Names the running test in the watchdog's report. */
  setTest: (name: string) => void;
  stop: () => Promise<void>;
};

export type WatchMainThreadOptions = {
  /** A heartbeat older than this is reported (the main thread's kernel state, wait channel, system call). */
  stallMs?: number;
  /** A heartbeat older than this ends the process and its child processes (anvil, …). */
  killAfterMs?: number;
};

/** The watchdog thread (plain JavaScript: the thread runs without the TypeScript loader). */
const watchdogSource = `
const { readFileSync, readdirSync, writeSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { beat, name, stallMs, killAfterMs, pid } = workerData;
const beats = new BigInt64Array(beat);
const nameBytes = new Uint8Array(name);
const nameLength = new Int32Array(name, 0, 1);
const read = (path) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '?';
  }
};
const children = () => {
  const pids = [];
  for (const task of readdirSync('/proc/' + pid + '/task'))
    for (const child of read('/proc/' + pid + '/task/' + task + '/children').split(' ')) if (/^\\d+$/.test(child)) pids.push(Number(child));
  return pids;
};
let reported = 0;
let checked = Date.now();
setInterval(() => {
  // This thread itself did not run for a while (the process was suspended or starved of CPU): give the main
  // thread a turn to beat before judging it.
  const late = Date.now() - checked > 10_000;
  checked = Date.now();
  if (late) return;
  const stalled = Date.now() - Number(Atomics.load(beats, 0));
  if (stalled < stallMs) {
    reported = 0;
    return;
  }
  if (Date.now() - reported >= 60_000) {
    reported = Date.now();
    const test = new TextDecoder().decode(nameBytes.slice(4, 4 + Atomics.load(nameLength, 0)));
    const task = '/proc/' + pid + '/task/' + pid;
    const state = read(task + '/stat').split(') ')[1]?.split(' ')[0];
    writeSync(2, 'relay test watchdog: the main thread ran no timer for ' + Math.round(stalled / 1000) + ' s, in test "' + test +
      '" (no node:test timeout can fire): state ' + state + ', wait channel ' + read(task + '/wchan') + ', system call ' +
      read(task + '/syscall').split(' ')[0] + ', kernel stack ' + read(task + '/stack').split('\\n').slice(0, 4).join(' < ') + '\\n');
  }
  if (stalled >= killAfterMs) {
    writeSync(2, 'relay test watchdog: ending the test process and its children after ' + Math.round(stalled / 1000) + ' s\\n');
    for (const child of children()) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {}
    }
    process.kill(pid, 'SIGKILL');
  }
}, 2_000);
`;

/**
 * A watchdog thread for a test file. node:test's timeouts are timers of the main thread: a main thread blocked in a
 * system call or a synchronous loop fails no test (relay.sqlite.test.ts hung 600 s in a session-8 rehearsal and no
 * test or suite timeout fired), and the runner names only the file, after 600 s. The watchdog sees the main
 * thread's heartbeat stop, reports what that thread waits on and which test runs, and past `killAfterMs` ends the
 * process and its children: the file fails in minutes, with a name and a cause to look at.
 */
export function watchMainThread(options: WatchMainThreadOptions = {}): MainThreadWatch {
  const beat = new SharedArrayBuffer(8);
  const beats = new BigInt64Array(beat);
  const name = new SharedArrayBuffer(4 + 512);
  const nameBytes = new Uint8Array(name);
  const nameLength = new Int32Array(name, 0, 1);
  const touch = () => Atomics.store(beats, 0, BigInt(Date.now()));
  touch();
  const heartbeat = setInterval(touch, 1000);
  heartbeat.unref();
  const worker = new Worker(watchdogSource, {
    eval: true,
    workerData: {
      beat,
      name,
      stallMs: options.stallMs ?? 90_000,
      killAfterMs: options.killAfterMs ?? 240_000,
      pid: process.pid,
    },
  });
  worker.unref();
  return {
    setTest(test) {
      const bytes = new TextEncoder().encode(test).slice(0, 512);
      nameBytes.set(bytes, 4);
      Atomics.store(nameLength, 0, bytes.length);
    },
    async stop() {
      clearInterval(heartbeat);
      await worker.terminate();
    },
  };
}
