// Image generator in the manner of stable-diffusion-webui: prompt, negative prompt, model, size, steps, CFG,
// seed, scheduler, batch; each task's live protocol progress, its images, and the history.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
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

type FieldProps = {
  label: string;
  name: string;
  /** Spans the form's width. */
  wide?: boolean;
  /** After the control, inside the label (a datalist). */
  children?: ComponentChildren;
} & (
  | {
      kind: 'text' | 'textarea';
      value: string;
      onValue: (value: string) => void;
      rows?: number;
      required?: boolean;
      maxLength?: number;
      list?: string;
      inputMode?: 'numeric';
    }
  | {
      kind: 'number' | 'range';
      value: number;
      onValue: (value: number) => void;
      min: number;
      max: number;
      step?: number;
    }
  | {
      kind: 'select';
      value: string | number;
      onValue: (value: string) => void;
      options: readonly (string | number)[];
    }
);

/** One labelled control of the form (the label wraps it, so it is the control's accessible name). */
function Field(props: FieldProps) {
  const id = useId();
  const read = (event: Event) => (event.target as HTMLInputElement).value;
  let control: ComponentChildren;
  switch (props.kind) {
    case 'textarea':
      control = (
        <textarea
          id={id}
          name={props.name}
          rows={props.rows}
          required={props.required}
          maxLength={props.maxLength}
          value={props.value}
          onInput={(e) => props.onValue(read(e))}
        />
      );
      break;
    case 'text':
      control = (
        <input
          id={id}
          name={props.name}
          list={props.list}
          required={props.required}
          inputMode={props.inputMode}
          value={props.value}
          onInput={(e) => props.onValue(read(e))}
        />
      );
      break;
    case 'number':
    case 'range':
      control = (
        <input
          id={id}
          type={props.kind}
          name={props.name}
          min={props.min}
          max={props.max}
          step={props.step}
          value={props.value}
          onInput={(e) => props.onValue(Number(read(e)))}
        />
      );
      break;
    case 'select':
      control = (
        <select id={id} name={props.name} value={props.value} onChange={(e) => props.onValue(read(e))}>
          {props.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
  }
  return (
    <label class={props.wide ? 'wide' : undefined} htmlFor={id}>
      {props.label}
      {control}
      {props.children}
    </label>
  );
}

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

  const submit = async (event: Event) => {
    event.preventDefault();
    setError('');
    const seed = form.seed.trim() === '' || form.seed.trim() === '-1' ? undefined : Number(form.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed + form.count - 1 > maxSeed)) {
      setError(`Seed: an integer from 0 to ${maxSeed - form.count + 1}, or -1 for a random seed`);
      return;
    }
    // The task schema takes an empty prompt, but here it is a forgotten field that would be paid for.
    if (form.prompt.trim() === '') {
      setError('Prompt: describe the image to generate (an empty prompt is refused: it would be paid for)');
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
        <Field
          kind="textarea"
          label="Prompt"
          name="prompt"
          wide
          rows={3}
          required
          maxLength={4000}
          value={form.prompt}
          onValue={(v) => set('prompt', v)}
        />
        <Field
          kind="textarea"
          label="Negative prompt"
          name="negative_prompt"
          wide
          rows={2}
          maxLength={4000}
          value={form.negative}
          onValue={(v) => set('negative', v)}
        />
        <Field
          kind="text"
          label="Model"
          name="model"
          list="sd-models"
          required
          value={form.model}
          onValue={(v) => set('model', v)}
        >
          <datalist id="sd-models">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </Field>
        <Field
          kind="select"
          label="Scheduler"
          name="scheduler"
          options={schedulers}
          value={form.scheduler}
          onValue={(v) => set('scheduler', v)}
        />
        {(['width', 'height'] as const).map((side) => (
          <Field
            key={side}
            kind="select"
            label={side === 'width' ? 'Width' : 'Height'}
            name={side}
            options={sides}
            value={form[side]}
            onValue={(v) => set(side, Number(v))}
          />
        ))}
        <Field
          kind="range"
          label={`Sampling steps: ${form.steps}`}
          name="steps"
          min={1}
          max={100}
          value={form.steps}
          onValue={(v) => set('steps', v)}
        />
        <Field
          kind="range"
          label={`CFG scale: ${form.cfg}`}
          name="cfg"
          min={0}
          max={20}
          step={0.5}
          value={form.cfg}
          onValue={(v) => set('cfg', v)}
        />
        <Field
          kind="text"
          label="Seed (−1 = random)"
          name="seed"
          inputMode="numeric"
          value={form.seed}
          onValue={(v) => set('seed', v)}
        />
        <Field
          kind="number"
          label="Number of images"
          name="num_images"
          min={1}
          max={10}
          value={form.count}
          onValue={(v) => set('count', v)}
        />
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
