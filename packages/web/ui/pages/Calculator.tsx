// The staking calculator of the seeds (docs/staking.md): the attacker's success probability p(h, d), the
// stake that makes a Sybil attack lose money, and a plot of his expected gain per task against the stake.
import { fromDecimal, stakeCalc } from '@verinet/protocol/staking';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatEth } from '../lib/format.js';

type Inputs = { honest: string; dishonest: string; samplingPercent: string; taskPrice: string };
type Result =
  | { ok: true; p: number; requiredStake: bigint | null; points: [number[], number[]]; maxStake: number }
  | { ok: false; error: string };

const wei = 10n ** 18n;

function parseEth(text: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text.trim())) throw new Error('task price: a number of ETH, e.g. 0.01');
  const { num, den } = fromDecimal(text.trim());
  return (num * wei) / den;
}

function compute(inputs: Inputs): Result {
  try {
    const honest = Number(inputs.honest);
    const dishonest = Number(inputs.dishonest);
    const percent = Number(inputs.samplingPercent);
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
      throw new Error('sampling rate: a percentage above 0 and at most 100');
    }
    const taskPrice = parseEth(inputs.taskPrice);
    const calc = stakeCalc({ honest, dishonest, samplingRate: percent / 100, taskPrice });
    // Plot up to twice the deterrent stake (or 100 task prices when nothing deters the attack).
    const top =
      calc.requiredStake !== null && calc.requiredStake > 0n ? calc.requiredStake * 2n : taskPrice * 100n;
    const xs: number[] = [];
    const ys: number[] = [];
    const n = 60;
    for (let i = 0; i <= n; i++) {
      const stake = (top * BigInt(i)) / BigInt(n);
      xs.push(Number(stake) / 1e18);
      ys.push(Number(calc.expectedAttackReward(stake)) / 1e18);
    }
    return {
      ok: true,
      p: calc.p,
      requiredStake: calc.requiredStake,
      points: [xs, ys],
      maxStake: Number(top) / 1e18,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message.split('\n')[0] ?? message };
  }
}

function Plot({ points }: { points: [number[], number[]] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(260, Math.min(element.clientWidth || 640, 760));
    const plot = new uPlot(
      {
        width,
        height: Math.round(width * 0.55),
        scales: { x: { time: false } },
        axes: [{ label: 'stake per node (ETH)' }, { label: 'attacker gain per task (ETH)', size: 70 }],
        series: [{ label: 'stake (ETH)' }, { label: 'expected gain (ETH)', stroke: '#b3261e', width: 2 }],
        hooks: {
          draw: [
            (u) => {
              // The break-even line: above it the attack pays, below it the attacker loses his stake.
              const y = u.valToPos(0, 'y', true);
              const { ctx } = u;
              ctx.save();
              ctx.strokeStyle = '#555';
              ctx.setLineDash([4, 4]);
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      points,
      element,
    );
    return () => plot.destroy();
  }, [points]);
  return <div ref={box} class="plot" data-testid="stake-plot" />;
}

export function Calculator() {
  const [inputs, setInputs] = useState<Inputs>({
    honest: '90',
    dishonest: '10',
    samplingPercent: '10',
    taskPrice: '0.01',
  });
  const result = useMemo(() => compute(inputs), [inputs]);
  const field = (name: keyof Inputs, label: string, hint: string, inputMode: 'numeric' | 'decimal') => (
    <label>
      {label}
      <input
        name={name}
        inputMode={inputMode}
        value={inputs[name]}
        aria-describedby={`${name}-hint`}
        onInput={(event) => setInputs({ ...inputs, [name]: (event.target as HTMLInputElement).value })}
      />
      <small id={`${name}-hint`}>{hint}</small>
    </label>
  );
  return (
    <section aria-labelledby="calc-title">
      <h1 id="calc-title">Staking calculator</h1>
      <p>
        A Sybil attacker who runs <var>d</var> of the <var>h</var> + <var>d</var> nodes wins a validation
        group when two of its three nodes are his: <var>p</var> = (C(d,2)·C(h,1) + C(d,3)) / C(d+h,3). His
        expected gain per task is E = (1−r)k + r(pk − (1−p)s) for sampling rate <var>r</var>, task price{' '}
        <var>k</var> and stake <var>s</var>; the network is safe when every node stakes enough to make E
        negative.
      </p>
      <form class="grid" onSubmit={(event) => event.preventDefault()}>
        {field('honest', 'Honest nodes (h)', 'integer ≥ 0', 'numeric')}
        {field('dishonest', "Attacker's nodes (d)", 'integer ≥ 0; h + d ≥ 3', 'numeric')}
        {field('samplingPercent', 'Sampling rate r (%)', 'share of tasks validated by a group', 'decimal')}
        {field('taskPrice', 'Task price k (ETH)', 'fee of one task', 'decimal')}
      </form>
      {result.ok ? (
        <div aria-live="polite">
          <dl class="figures">
            <div>
              <dt>Attack success probability p</dt>
              <dd data-testid="calc-p">{(result.p * 100).toPrecision(4)} %</dd>
            </div>
            <div>
              <dt>Stake that deters the attack</dt>
              <dd data-testid="calc-stake">
                {result.requiredStake === null
                  ? 'none: p = 1, no stake deters it'
                  : formatEth(result.requiredStake, 6)}
              </dd>
            </div>
          </dl>
          <Plot points={result.points} />
          <p class="caption">
            Expected gain of the attacker per task against the stake of each node, from 0 to{' '}
            {result.maxStake.toPrecision(4)} ETH; the dashed line is zero.
          </p>
        </div>
      ) : (
        <p role="alert" class="error" data-testid="calc-error">
          {result.error}
        </p>
      )}
    </section>
  );
}
