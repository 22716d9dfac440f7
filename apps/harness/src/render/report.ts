import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Results, writeFileAtomic } from '../results/results.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** Chart.js's self-contained build, inlined into every report so it opens offline. */
export function chartLibrarySource(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8');
}

export interface WrittenReports {
  html?: string;
  markdown?: string;
}

/** Writes report.html and/or summary.md for a results object into `dir`; returns their paths. */
export function writeReports(results: Results, dir: string, which: { html: boolean; markdown: boolean }): WrittenReports {
  const written: WrittenReports = {};
  if (which.markdown) {
    written.markdown = path.join(dir, 'summary.md');
    writeFileAtomic(written.markdown, renderMarkdown(results));
  }
  if (which.html) {
    written.html = path.join(dir, 'report.html');
    writeFileAtomic(written.html, renderHtml(results, chartLibrarySource()));
  }
  return written;
}
