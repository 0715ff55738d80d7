// Image generator in the manner of stable-diffusion-webui: prompt, negative prompt, model, size, steps, CFG,
// seed, scheduler, batch; each task's live protocol progress, its images, and the history.
import { useEffect, useState } from 'preact/hooks';
import type { ProgressStep } from '../lib/progress.js';
import type { ImageRun, Runner, SdArgs } from '../lib/runner.js';
import { Progress } from './Progress.js';

const schedulers = ['DPMSolverMultistep', 'EulerAncestralDiscrete', 'EulerDiscrete', 'DDIM', 'PNDM', 'LCM'];
const sides = [64, 128, 256, 384, 512, 640, 768, 1024];
const maxSeed = 2 ** 31 - 1;

type Form = {
  model: string;
  prompt: string;
  negative: string;
  width: number;
  height: number;
  steps: number;
  cfg: number;
  seed: string;
  scheduler: string;
  count: number;
};

export function Generate({ runner }: { runner: Runner }) {
  const [models, setModels] = useState<string[]>([]);
  const [form, setForm] = useState<Form>({
    model: '',
    prompt: '',
    negative: '',
    width: 512,
    height: 512,
    steps: 25,
    cfg: 7,
    seed: '-1',
    scheduler: 'DPMSolverMultistep',
    count: 1,
  });
  const [progress, setProgress] = useState<{ steps: ProgressStep[]; status: string } | null>(null);
  const [current, setCurrent] = useState<ImageRun | null>(null);
  const [history, setHistory] = useState<ImageRun[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    runner
      .listModels()
      .then((list) => {
        const sd = list.filter((m) => m.type === 'sd').map((m) => m.id);
        setModels(sd);
        setForm((f) => (f.model || !sd[0] ? f : { ...f, model: sd[0] }));
      })
      .catch((failure: Error) => setError(failure.message));
    runner.history().then(setHistory, () => undefined);
  }, [runner]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const num = (event: Event) => Number((event.target as HTMLInputElement).value);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError('');
    const seed = form.seed.trim() === '' || form.seed.trim() === '-1' ? undefined : Number(form.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed + form.count - 1 > maxSeed)) {
      setError(`Seed: an integer from 0 to ${maxSeed - form.count + 1}, or -1 for a random seed`);
      return;
    }
    if (!form.model) {
      setError('Model: choose a Stable Diffusion model');
      return;
    }
    const args: SdArgs = {
      base_model: form.model,
      prompt: form.prompt,
      ...(form.negative ? { negative_prompt: form.negative } : {}),
      scheduler: { method: form.scheduler },
      task_config: {
        image_width: form.width,
        image_height: form.height,
        steps: form.steps,
        cfg: form.cfg,
        num_images: form.count,
        ...(seed === undefined ? {} : { seed }),
      },
    };
    setBusy(true);
    setCurrent(null);
    setProgress({ steps: [], status: 'submitting' });
    try {
      const run = await runner.generateImages(args, (steps, status) => setProgress({ steps, status }));
      setCurrent(run);
      if (run.error) setError(run.error);
      setHistory((h) => [run, ...h.filter((r) => r.id !== run.id)]);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="gen-title">
      <h1 id="gen-title">Image generator</h1>
      <form class="generate" onSubmit={submit}>
        <label class="wide">
          Prompt
          <textarea
            name="prompt"
            rows={3}
            required
            maxLength={4000}
            value={form.prompt}
            onInput={(e) => set('prompt', (e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <label class="wide">
          Negative prompt
          <textarea
            name="negative_prompt"
            rows={2}
            maxLength={4000}
            value={form.negative}
            onInput={(e) => set('negative', (e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <label>
          Model
          <input
            name="model"
            list="sd-models"
            required
            value={form.model}
            onInput={(e) => set('model', (e.target as HTMLInputElement).value)}
          />
          <datalist id="sd-models">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        <label>
          Scheduler
          <select
            name="scheduler"
            value={form.scheduler}
            onChange={(e) => set('scheduler', (e.target as HTMLSelectElement).value)}
          >
            {schedulers.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Width
          <select name="width" value={form.width} onChange={(e) => set('width', num(e))}>
            {sides.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Height
          <select name="height" value={form.height} onChange={(e) => set('height', num(e))}>
            {sides.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sampling steps: {form.steps}
          <input
            type="range"
            name="steps"
            min={1}
            max={100}
            value={form.steps}
            onInput={(e) => set('steps', num(e))}
          />
        </label>
        <label>
          CFG scale: {form.cfg}
          <input
            type="range"
            name="cfg"
            min={0}
            max={20}
            step={0.5}
            value={form.cfg}
            onInput={(e) => set('cfg', num(e))}
          />
        </label>
        <label>
          Seed (−1 = random)
          <input
            name="seed"
            inputMode="numeric"
            value={form.seed}
            onInput={(e) => set('seed', (e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Number of images
          <input
            type="number"
            name="num_images"
            min={1}
            max={10}
            value={form.count}
            onInput={(e) => set('count', num(e))}
          />
        </label>
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? 'Generating…' : 'Generate'}
        </button>
      </form>
      {error && (
        <p role="alert" class="error" data-testid="gen-error">
          {error}
        </p>
      )}
      {progress && <Progress steps={progress.steps} status={progress.status} />}
      {current && (
        <div class="gallery" data-testid="gallery">
          {current.images.map((src, index) => (
            <img
              key={src}
              src={src}
              alt={`“${form.prompt}”, result ${index + 1} of ${current.images.length}`}
            />
          ))}
          {current.timings && <p class="caption">{current.timings}</p>}
        </div>
      )}
      <h2>History</h2>
      {history.length === 0 ? (
        <p>No images yet.</p>
      ) : (
        <ul class="history" data-testid="history">
          {history.map((run) => (
            <li key={run.id}>
              <span>
                {run.status}
                {run.error ? ` — ${run.error}` : ''}
              </span>
              {run.images.map((src, index) => (
                <img key={src} src={src} alt={`Result ${index + 1} of job ${run.id}`} />
              ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
