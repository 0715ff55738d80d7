/**
 * pHash throughput on 512×512 PNGs: decode and hash separately, the hash split into its stages, and
 * sharp's own decode + greyscale + Lanczos resize to 32×32 as a baseline in the same process.
 *
 *   node --import tsx packages/protocol/src/score/phash.bench.ts [iterations] [--markdown]
 *
 * --markdown also writes docs/benchmarks/score.md: the table of medians with their spread over the rounds,
 * the date, the run count and the machine's load, so the doc quotes what the bench printed.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { decodeImage } from './decodeImage.js';
import { getLowFrequencyDct } from './getLowFrequencyDct.js';
import { getPHash } from './getPHash.js';
import { getPixelsPHash } from './getPixelsPHash.js';
import { resizeLanczos } from './resizeLanczos.js';
import { createSceneParameters, renderScene } from './study/scenes.js';
import { createRandom, drawPixels, drawSmoothScene, encodePng } from './study/syntheticImages.js';
import { toLuma } from './toLuma.js';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const iterations = Number(args.find((arg) => !arg.startsWith('--')) ?? 300);
const rounds = 10;
type Timing = { best: number; median: number; worst: number; cpu: number };

/**
 * Mean time per call, measured in 10 rounds. Other processes share the cores, so the fastest round (the
 * figure least disturbed by them) is reported beside the median round; CPU time covers all threads of
 * the process, sharp's decoder threads included.
 */
async function time(label: string, run: () => unknown, count = iterations): Promise<Timing> {
  for (let i = 0; i < Math.min(20, count); i++) await run();
  const perRound = Math.max(1, Math.floor(count / rounds));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < perRound; i++) await run();
    wall.push((performance.now() - start) / perRound);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000 / perRound);
  }
  const best = Math.min(...wall);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const format = (ms: number) => ms.toFixed(3).padStart(8);
  console.log(
    `${label.padEnd(52)} best ${format(best)} ms  median ${format(median(wall))} ms  cpu ${format(median(cpu))} ms`,
  );
  return { best, median: median(wall), worst: Math.max(...wall), cpu: median(cpu) };
}

const random = createRandom(1);
const inputs = {
  'photo-like scene (grain, shapes)': await encodePng(await renderScene(createSceneParameters(42))),
  'smooth waves': await encodePng(drawSmoothScene(512, 512, 42)),
  'RGB noise (hard to compress)': await encodePng(drawPixels(512, 512, 3, () => random() * 256)),
};

const load = loadavg()[0] ?? 0;
console.log(
  `pHash of 512×512 PNG, ${iterations} iterations, Node ${process.version}, sharp ${sharp.versions.sharp}`,
);
const tableRows: string[] = [];
const cell = (t: Timing) => `${t.median.toFixed(2)} ms (${t.best.toFixed(2)}–${t.worst.toFixed(2)})`;
for (const [name, png] of Object.entries(inputs)) {
  console.log(`\n${name}: ${png.length} bytes`);
  const pixels = await decodeImage({ bytes: png });
  const luma = toLuma(pixels);
  const small = resizeLanczos({ image: luma, width: 32, height: 32 });
  const decode = await time('decode (sharp → raw RGB)', () => decodeImage({ bytes: png }));
  const hash = await time('hash (luma + resize + DCT + median)', () => getPixelsPHash(pixels));
  await time('  luma', () => toLuma(pixels));
  await time('  Lanczos resize 512→32', () => resizeLanczos({ image: luma, width: 32, height: 32 }));
  await time('  DCT 8×8 corner', () => getLowFrequencyDct({ pixels: small.data, size: 32, keep: 8 }));
  const total = await time('getPHash total (decode + hash)', () => getPHash(png));
  const baseline = await time('baseline: sharp decode+greyscale+lanczos3 32×32 raw', () =>
    sharp(png).greyscale().resize(32, 32, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer(),
  );
  console.log(
    `  → median rounds: decode ${decode.median.toFixed(2)} ms + hash ${hash.median.toFixed(2)} ms; getPHash ${total.median.toFixed(2)} ms ` +
      `(${(total.median / baseline.median).toFixed(2)}× sharp's own decode + resize; target ≤ 5 ms: ${total.median <= 5 ? 'met' : 'NOT met'})`,
  );
  tableRows.push(
    `| ${name} | ${png.length} | ${cell(decode)} | ${cell(hash)} | ${cell(total)} | ${total.cpu.toFixed(2)} ms | ${cell(baseline)} | ${(total.median / baseline.median).toFixed(2)}× |`,
  );
}

if (markdown) {
  const file = new URL('../../../../docs/benchmarks/score.md', import.meta.url);
  writeFileSync(
    file,
    `# Result hashing benchmark (\`npm run bench:score -- --markdown\`)

Written by \`packages/protocol/src/score/phash.bench.ts\` on ${new Date().toISOString().slice(0, 10)}: ${rounds} rounds of
${Math.max(1, Math.floor(iterations / rounds))} calls per figure after a warm-up; each cell is the median round's mean time per call, with the
fastest and slowest rounds in brackets; "CPU" is the median round's CPU time per call (all threads of the
process, sharp's included), which other processes disturb less than wall time. Node ${process.version}, sharp ${sharp.versions.sharp}, ${cpus().length} cores, load
average ${load.toFixed(1)} when the run started (other processes share the cores: compare ratios, not absolute times).

| image (512×512) | PNG bytes | PNG decode (sharp) | hash (luma + Lanczos + DCT) | getPHash total | getPHash CPU | baseline: sharp decode + greyscale + Lanczos 32×32 | total / baseline |
|---|---:|---:|---:|---:|---:|---:|---:|
${tableRows.join('\n')}

Target: getPHash ≤ 5 ms per image (median round).
`,
  );
  console.log(`\nWrote ${file.pathname}`);
}
