import { describe, expect, it } from 'vitest';
import { TemplateSet } from './gotemplate/exec.js';
import { RenderFailure } from './gotemplate/funcs.js';
import { TemplateError } from './gotemplate/lexer.js';
import { goFloat } from './gotemplate/values.js';

function render(src: string, data: unknown = {}, defines = ''): string {
  const set = new TemplateSet();
  if (defines) set.add('_helpers.tpl', defines);
  set.add('t.yaml', src);
  return set.render('t.yaml', data);
}

describe('Go template subset used by the chart', () => {
  it('trims whitespace on the marked side only', () => {
    expect(render('a  {{- "b" }}  c')).toBe('ab  c');
    expect(render('a  {{ "b" -}}  \n c')).toBe('a  bc');
    expect(render('a\n{{- /* note */ -}}\nb')).toBe('ab');
    expect(render('{{ 3 }}-{{ -1 }}')).toBe('3--1');
  });

  it('prints missing values as empty, but fails on a field of a missing value', () => {
    expect(render('[{{ .a.missing }}]', { a: {} })).toBe('[]');
    expect(() => render('{{ .a.missing.deeper }}', { a: {} })).toThrow(/nil pointer evaluating interface \{\}\.deeper/);
  });

  it('ranges over lists with index and maps in sorted key order, with else', () => {
    expect(render('{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', { l: ['x', 'y'] })).toBe('0=x;1=y;');
    expect(render('{{ range $k, $v := .m }}{{ $k }}{{ $v }},{{ end }}', { m: { b: 2, a: 1 } })).toBe('a1,b2,');
    expect(render('{{ range .l }}x{{ else }}none{{ end }}', { l: [] })).toBe('none');
  });

  it('scopes variables to their block and lets = update an outer variable', () => {
    expect(render('{{ $x := "a" }}{{ if true }}{{ $x := "b" }}{{ end }}{{ $x }}')).toBe('a');
    expect(render('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}')).toBe('b');
    expect(() => render('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}')).toThrow(TemplateError);
  });

  it('with changes dot only for non-empty values; $ stays the root', () => {
    const data = { a: { b: 'x' }, top: 'T' };
    expect(render('{{ with .a }}{{ .b }}{{ $.top }}{{ end }}', data)).toBe('xT');
    expect(render('{{ with .none }}yes{{ else }}no{{ end }}', data)).toBe('no');
  });

  it('pipes the value as the last argument and evaluates sprig functions with their argument order', () => {
    expect(render('{{ .v | default "d" | quote }}', { v: '' })).toBe('"d"');
    expect(render('{{ "a-b-" | trimSuffix "-" | trunc 2 }}')).toBe('a-');
    expect(render('{{ printf "%s-%d" "x" 7 }}')).toBe('x-7');
    expect(render('{{ list "a" "b" | join "," }}')).toBe('a,b');
    expect(render('{{ toYaml .m | nindent 2 }}', { m: { b: [1], a: 'x' } })).toBe('\n  a: x\n  b:\n  - 1');
  });

  it('and/or return their deciding operand and short-circuit', () => {
    expect(render('{{ or .a "fallback" }}', { a: '' })).toBe('fallback');
    expect(render('{{ and "x" .b }}', { b: 'y' })).toBe('y');
    expect(render('{{ if or true (fail "evaluated") }}ok{{ end }}')).toBe('ok');
  });

  it('compares like Go: mismatched kinds are errors, nil compares unequal', () => {
    expect(render('{{ eq .a "x" }}', { a: 'x' })).toBe('true');
    expect(render('{{ eq .missing "x" }}', {})).toBe('false');
    expect(() => render('{{ eq .n "1" }}', { n: 1 })).toThrow(/incompatible types/);
  });

  it('include renders a define with its own dot and $, and fail stops rendering', () => {
    const defines = '{{- define "x" -}}[{{ .v }}|{{ $.v }}]{{- end }}';
    expect(render('{{ include "x" (dict "v" 1) }}', {}, defines)).toBe('[1|1]');
    expect(() => render('{{ fail "stop here" }}')).toThrow(RenderFailure);
    expect(() => render('{{ required "need v" .v }}', {})).toThrow(/need v/);
  });

  it('prints numbers the way Go prints the float64 values Helm decodes', () => {
    expect(goFloat(8080)).toBe('8080');
    expect(goFloat(0.5)).toBe('0.5');
    expect(goFloat(1_000_000)).toBe('1e+06');
    expect(goFloat(2147483648)).toBe('2.147483648e+09');
    expect(render('{{ .n }}', { n: 2147483648 })).toBe('2.147483648e+09');
  });

  it('rejects syntax outside the supported subset instead of guessing', () => {
    expect(() => render('{{ template "x" . }}')).toThrow(/outside the supported subset/);
    expect(() => render('{{ if true }}x')).toThrow(/unclosed/);
    expect(() => render('{{ nosuchfunc 1 }}')).toThrow(/not defined/);
    expect(() => render('{{ .m }}', { m: { a: 1 } })).toThrow(/toYaml/);
  });
});
