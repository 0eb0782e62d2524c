import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { TaskRunView } from '../../../src/client';
import { lateness } from '../format';

/** Lateness and duration (ms) of a task's recent runs, oldest on the left (uPlot, drawn on a canvas). */
export function RunChart(props: { runs: TaskRunView[] }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const started = props.runs.filter((run) => run.startedAt).reverse();
  const data: uPlot.AlignedData = [
    started.map((run) => Date.parse(run.scheduledFor) / 1_000),
    started.map((run) => lateness(run)),
    started.map((run) => run.durationMs),
  ];

  useEffect(() => {
    const element = container.current!;
    plot.current = new uPlot(
      {
        width: Math.max(320, element.clientWidth || 640),
        height: 220,
        scales: { x: { time: true } },
        axes: [{}, { label: 'ms', size: 60 }],
        series: [
          { label: 'scheduled' },
          { label: 'lateness (ms)', stroke: '#d97706', width: 2, points: { show: true, size: 4 } },
          { label: 'duration (ms)', stroke: '#2563eb', width: 2, points: { show: true, size: 4 } },
        ],
      },
      data,
      element,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const worst = Math.max(0, ...started.map((run) => lateness(run) ?? 0));
  return (
    <figure class="chart">
      <div
        ref={container}
        role="img"
        aria-label={`Lateness and duration of the last ${started.length} runs; worst lateness ${worst} ms`}
      />
      <figcaption>Lateness and duration of the last {started.length} runs that started</figcaption>
    </figure>
  );
}
