// report.html's own script, inlined after Chart.js when the page is written (render/html.ts):
// draws every chart from its JSON spec and records what was drawn, for readers and tests.
const data = JSON.parse(document.getElementById('loopbench-data').textContent);
// Percentile axes: ticks at p50, p90, p99, p99.9 and p99.99 only (x = 1 / (1 - q)).
const PERCENTILES = { 2: 'p50', 10: 'p90', 100: 'p99', 1000: 'p99.9', 10000: 'p99.99' };
window.loopbenchCharts = [];
for (const spec of data.charts) {
  const x = spec.config.options.scales?.x;
  if (x?.percentileAxis) {
    x.afterBuildTicks = (axis) => {
      axis.ticks = Object.keys(PERCENTILES).map((value) => ({ value: Number(value) }));
    };
    x.ticks = { callback: (value) => PERCENTILES[value] || '' };
  }
  // Row axes: a label for each listed row only (a connection, or a server's band of requests).
  const y = spec.config.options.scales?.y;
  if (y?.rowLabels) {
    const labels = y.rowLabels;
    y.afterBuildTicks = (axis) => {
      axis.ticks = Object.keys(labels).map((value) => ({ value: Number(value) }));
    };
    y.ticks = { autoSkip: false, callback: (value) => labels[value] || '' };
  }
  const chart = new Chart(document.getElementById(spec.id), spec.config);
  window.loopbenchCharts.push({
    id: spec.id,
    kind: spec.kind,
    datasets: chart.data.datasets.map((d) => ({
      label: d.label,
      points: d.data.filter((v) => v !== null && v !== undefined && v.y !== null).length,
    })),
  });
}
