/**
 * Executes parsed templates: dot and `$`, variables scoped to their block, range over lists and
 * (sorted) maps, field access with Go's nil-pointer errors, `include` and `.Files.Get`.
 * Output of a missing value is empty, as Helm renders Go's "<no value>".
 */
import { FUNCS, RenderFailure } from './funcs.js';
import { TemplateError } from './lexer.js';
import { type Node, type Operand, type Parsed, type Pipeline, parse } from './parser.js';
import { goString, isMap, isNil, truth, type Value } from './values.js';

interface Scope {
  vars: Map<string, Value>;
  parent: Scope | null;
}

function lookupVar(scope: Scope | null, name: string): Scope | null {
  for (let s = scope; s; s = s.parent) if (s.vars.has(name)) return s;
  return null;
}

export class TemplateSet {
  private readonly defines = new Map<string, Node[]>();
  private readonly roots = new Map<string, Node[]>();

  /** Adds one file: its `define`s join the shared namespace; its body can be rendered by name. */
  add(name: string, src: string): void {
    const parsed: Parsed = parse(name, src);
    for (const [k, v] of parsed.defines) this.defines.set(k, v);
    this.roots.set(name, parsed.root);
  }

  render(name: string, data: Value): string {
    const root = this.roots.get(name);
    if (!root) throw new Error(`no template ${name}`);
    return this.run(name, root, data);
  }

  private run(name: string, nodes: Node[], data: Value): string {
    const out: string[] = [];
    const scope: Scope = { vars: new Map([['', data]]), parent: null };
    this.walk(name, nodes, data, scope, out);
    return out.join('');
  }

  private walk(file: string, nodes: Node[], dot: Value, scope: Scope, out: string[]): void {
    for (const node of nodes) {
      switch (node.k) {
        case 'text':
          out.push(node.text);
          break;
        case 'out': {
          const v = this.pipeline(file, node.pipe, dot, scope);
          if (node.pipe.assign === null) out.push(isNil(v) ? '' : this.print(file, node.pipe.line, v));
          break;
        }
        case 'if': {
          const inner: Scope = { vars: new Map(), parent: scope };
          const hit = node.branches.find((b) => truth(this.pipeline(file, b.cond, dot, inner)));
          if (hit) this.walk(file, hit.body, dot, inner, out);
          else if (node.otherwise) this.walk(file, node.otherwise, dot, inner, out);
          break;
        }
        case 'with': {
          const inner: Scope = { vars: new Map(), parent: scope };
          const v = this.pipeline(file, node.pipe, dot, inner);
          if (truth(v)) this.walk(file, node.body, v, inner, out);
          else if (node.otherwise) this.walk(file, node.otherwise, dot, inner, out);
          break;
        }
        case 'range':
          this.range(file, node, dot, scope, out);
          break;
      }
    }
  }

  private range(file: string, node: Extract<Node, { k: 'range' }>, dot: Value, scope: Scope, out: string[]): void {
    const pipe: Pipeline = { ...node.pipe, vars: [], assign: null };
    const v = this.pipeline(file, pipe, dot, scope);
    let entries: [Value, Value][];
    if (isNil(v)) entries = [];
    else if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (isMap(v))
      entries = Object.keys(v)
        .sort()
        .map((k) => [k, v[k]]);
    else throw new TemplateError(file, node.pipe.line, `range can't iterate over ${goString(v)}`);
    if (entries.length === 0) {
      if (node.otherwise) this.walk(file, node.otherwise, dot, { vars: new Map(), parent: scope }, out);
      return;
    }
    const names = node.pipe.vars;
    for (const [key, elem] of entries) {
      const inner: Scope = { vars: new Map(), parent: scope };
      if (names.length === 1) inner.vars.set(names[0], elem);
      if (names.length === 2) {
        inner.vars.set(names[0], key);
        inner.vars.set(names[1], elem);
      }
      this.walk(file, node.body, elem, inner, out);
    }
  }

  private print(file: string, line: number, v: Value): string {
    try {
      return goString(v);
    } catch (err) {
      throw new TemplateError(file, line, (err as Error).message);
    }
  }

  private pipeline(file: string, pipe: Pipeline, dot: Value, scope: Scope): Value {
    let value: Value;
    let piped = false;
    for (const cmd of pipe.cmds) {
      value = this.command(file, pipe.line, cmd, dot, scope, piped ? [value] : []);
      piped = true;
    }
    if (pipe.assign === 'declare') {
      scope.vars.set(pipe.vars[0], value);
    } else if (pipe.assign === 'set') {
      const owner = lookupVar(scope, pipe.vars[0]);
      if (!owner) throw new TemplateError(file, pipe.line, `undefined variable $${pipe.vars[0]}`);
      owner.vars.set(pipe.vars[0], value);
    }
    return value;
  }

  private command(file: string, line: number, cmd: Operand[], dot: Value, scope: Scope, piped: Value[]): Value {
    const [head, ...rest] = cmd;
    const evalArg = (op: Operand) => this.operand(file, line, op, dot, scope);
    try {
      if (head.k === 'ident') {
        const name = head.name;
        if (name === 'and' || name === 'or') {
          const ops = [...rest.map((op) => () => evalArg(op)), ...piped.map((p) => () => p)];
          let last: Value = null;
          for (const get of ops) {
            last = get();
            if (name === 'and' ? !truth(last) : truth(last)) return last;
          }
          return last;
        }
        const args = [...rest.map(evalArg), ...piped];
        if (name === 'include') return this.include(args);
        const fn = FUNCS[name];
        if (!fn) throw new TemplateError(file, line, `function "${name}" not defined`);
        return fn(args);
      }
      const value = evalArg(head);
      if (typeof value === 'function') return value(...rest.map(evalArg), ...piped);
      if (rest.length > 0 || piped.length > 0)
        throw new TemplateError(file, line, "can't give argument to non-function");
      return value;
    } catch (err) {
      if (err instanceof TemplateError || err instanceof RenderFailure) throw err;
      throw new TemplateError(file, line, (err as Error).message);
    }
  }

  private include([name, data]: Value[]): string {
    if (typeof name !== 'string') throw new Error('include: template name must be a string');
    const body = this.defines.get(name);
    if (!body) throw new Error(`include: no template "${name}"`);
    return this.run(name, body, data);
  }

  private operand(file: string, line: number, op: Operand, dot: Value, scope: Scope): Value {
    switch (op.k) {
      case 'lit':
        return op.v;
      case 'field':
        return this.fields(file, line, dot, op.path);
      case 'var': {
        const owner = lookupVar(scope, op.name);
        if (!owner) throw new TemplateError(file, line, `undefined variable $${op.name}`);
        return this.fields(file, line, owner.vars.get(op.name), op.path);
      }
      case 'pipe':
        return this.pipeline(file, op.pipe, dot, { vars: new Map(), parent: scope });
      case 'ident':
        throw new TemplateError(file, line, `function "${op.name}" used as an argument needs parentheses`);
    }
  }

  private fields(file: string, line: number, base: Value, path: string[]): Value {
    let v = base;
    for (const key of path) {
      if (isNil(v)) throw new TemplateError(file, line, `nil pointer evaluating interface {}.${key}`);
      if (!isMap(v)) throw new TemplateError(file, line, `can't evaluate field ${key} in type ${typeof v}`);
      v = Object.hasOwn(v, key) ? v[key] : null;
    }
    return v;
  }
}
