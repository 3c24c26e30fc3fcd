// Lag over time, one line per topic-partition, drawn by uPlot from the samples the group page
// takes each time it refreshes the group (the broker keeps no lag history).
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface LagSample {
  time: number; // seconds, as uPlot's time axis wants
  lag: Record<string, number | null>;
}

const COLORS = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab"];

export function LagChart({ samples }: { samples: LagSample[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const seriesKey = useRef("");
  useEffect(() => {
    const el = box.current;
    if (!el || samples.length === 0) return;
    const names = [...new Set(samples.flatMap((s) => Object.keys(s.lag)))].sort();
    const data: uPlot.AlignedData = [samples.map((s) => s.time), ...names.map((n) => samples.map((s) => s.lag[n] ?? null))];
    const key = names.join("|");
    const width = Math.max(280, el.clientWidth);
    if (!plot.current || seriesKey.current !== key) {
      plot.current?.destroy();
      seriesKey.current = key;
      plot.current = new uPlot(
        {
          width,
          height: 240,
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [{}, { label: "lag (records)" }],
          series: [{}, ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false } }))],
        },
        data,
        el,
      );
    } else {
      plot.current.setData(data);
      if (plot.current.width !== width) plot.current.setSize({ width, height: 240 });
    }
  }, [samples]);
  // Follow the box's width (a phone turned, a window resized): uPlot draws at a fixed size.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const watch = new ResizeObserver(() => {
      const width = Math.max(280, el.clientWidth);
      if (plot.current && plot.current.width !== width) plot.current.setSize({ width, height: 240 });
    });
    watch.observe(el);
    return () => {
      watch.disconnect();
      plot.current?.destroy();
    };
  }, []);
  return <div ref={box} class="chart" data-testid="lag-chart" />;
}
