/**
 * A small Prometheus text-format registry (exposition format 0.0.4): counters with labels, and gauges
 * read when scraped. One per process, built by the composition root; `/metrics` renders it.
 */
type Labels = Record<string, string>;

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${formatLabels(labels)} ${value}`);
    return lines;
  }
}

/** A value read at scrape time (a gauge, or a counter kept elsewhere). */
export interface Sampled {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  read(): number | Array<{ labels: Labels; value: number }> | Promise<number | Array<{ labels: Labels; value: number }>>;
}

export class MetricsRegistry {
  private readonly counters: Counter[] = [];
  private readonly sampled: Sampled[] = [];

  counter(name: string, help: string): Counter {
    const counter = new Counter(name, help);
    this.counters.push(counter);
    return counter;
  }

  sample(metric: Sampled): void {
    this.sampled.push(metric);
  }

  async render(): Promise<string> {
    const lines = this.counters.flatMap((c) => c.render());
    for (const m of this.sampled) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
      let value: Awaited<ReturnType<Sampled['read']>>;
      try {
        value = await m.read();
      } catch {
        continue; // a source that cannot be read now (database down) is left out of this scrape
      }
      if (typeof value === 'number') lines.push(`${m.name} ${value}`);
      else for (const v of value) lines.push(`${m.name}${formatLabels(v.labels)} ${v.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
