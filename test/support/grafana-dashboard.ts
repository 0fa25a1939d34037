/**
 * deploy/grafana/s1mig-dashboard.json as the deploy tests read it: its panels (those of
 * collapsed rows too), each query, the template variables, and Grafana's substitution of
 * variables into a query, so the queries can be run on a real Prometheus.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = fileURLToPath(new URL('../../deploy/grafana/s1mig-dashboard.json', import.meta.url));

export interface Datasource { readonly type?: string; readonly uid?: string }
export interface Target { readonly refId: string; readonly expr?: string; readonly datasource?: Datasource }
export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: Datasource;
  readonly gridPos?: { h: number; w: number; x: number; y: number };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
  readonly datasource?: Datasource;
  readonly includeAll?: boolean;
  readonly allValue?: string;
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}

export function loadDashboard(path = DASHBOARD_PATH): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

/** Every panel, rows included, with the panels a collapsed row keeps inside it. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface PanelQuery { readonly panel: string; readonly refId: string; readonly expr: string }

/** Each Prometheus query of each panel, named "panel title / refId" for failure messages. */
export function panelQueries(d: Dashboard): PanelQuery[] {
  return allPanels(d).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr ?? '' })));
}

/** The text of a query variable's query (Grafana keeps either a string or `{ query }`). */
export function variableQuery(v: Variable): string {
  return typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
}

/**
 * `label_values(SELECTOR, label)` of a query variable, the one form this dashboard uses:
 * Grafana runs it as a series lookup of SELECTOR and lists the label's values.
 */
export function labelValuesOf(v: Variable): { selector: string; label: string } {
  const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(variableQuery(v).trim());
  if (m === null) throw new Error(`variable ${v.name}: not label_values(selector, label): ${variableQuery(v)}`);
  return { selector: m[1]!, label: m[2]! };
}

/**
 * What Grafana sends Prometheus for a query: `$var` and `${var}` replaced by the chosen
 * values with their regex characters escaped (as Grafana escapes the values of a
 * multi-value variable; the dashboard uses its variables in `=~` matchers only),
 * `$__rate_interval` and `$__range` by durations. A variable without a value throws: the
 * query would not run in Grafana either.
 */
export function substitute(expr: string, values: Readonly<Record<string, string>>, durations: { rateInterval: string; range: string }): string {
  const all: Record<string, string> = { __rate_interval: durations.rateInterval, __range: durations.range, __interval: durations.rateInterval, ...values };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    const value = all[name];
    if (value === undefined) throw new Error(`no value for ${whole} in ${expr}`);
    return name.startsWith('__') ? value : value.replace(/[\\^$.*+?()[\]{}|]/g, '\\\\$&');
  });
}
