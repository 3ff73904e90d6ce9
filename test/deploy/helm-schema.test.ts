import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, chartValues, renderChart } from './chart.js';

const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function errorsFor(overrides: object): string[] {
  const ok = validate(chartValues(overrides));
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('helm chart: values.schema.json', () => {
  it('accepts the defaults and every optional feature', () => {
    expect(errorsFor({})).toEqual([]);
    expect(
      errorsFor({
        train: { enabled: true, recipeFiles: 'a.yaml,b.yaml', timeZone: 'Etc/UTC', extraArgs: ['--quiet'] },
        ingress: { enabled: true },
        pdb: { enabled: true, maxUnavailable: '50%' },
        hpa: { enabled: true, targetMemoryUtilizationPercentage: 80 },
        metrics: { enabled: true },
        artifacts: { enabled: true },
        recipes: { source: 'objectStore', objectStore: { initContainer: { image: 'x:1' } } },
      }),
    ).toEqual([]);
  });

  it('rejects the mistakes it is there to catch', () => {
    expect(errorsFor({ recipes: { source: 's3' } }).join()).toMatch(/recipes\/source/);
    expect(errorsFor({ image: { tag: 'latest' } }).join()).toMatch(/image\/tag/);
    // Unquoted numbers would reach the pods as float64 text (e.g. 2.147483648e+09).
    expect(errorsFor({ env: { RECOTEM_MAX_ARTIFACT_BYTES: 2147483648 } }).join()).toMatch(/RECOTEM_MAX_ARTIFACT_BYTES/);
    expect(errorsFor({ pdb: { maxUnavilable: 1 } }).join()).toMatch(/additional properties/);
    expect(errorsFor({ train: { extraArgs: ['--run-id nightly'] } }).join()).toMatch(/extraArgs/);
  });

  it('is what the renderer enforces before rendering, as helm does', () => {
    const enforce = (values: Record<string, unknown>) => {
      if (!validate(values)) throw new Error(`values don't meet the schema: ${JSON.stringify(validate.errors)}`);
    };
    expect(() => renderChart({ service: { port: 70000 } }, { validate: enforce })).toThrow(/schema/);
    expect(renderChart({}, { validate: enforce }).all.length).toBeGreaterThan(0);
  });
});
