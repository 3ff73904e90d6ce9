/** Parser: lexed pieces into a tree of text, output, if/range/with blocks and named templates. */
import { lex, type Piece, TemplateError, type Token } from './lexer.js';

export type Operand =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'ident'; name: string }
  | { k: 'pipe'; pipe: Pipeline };

export interface Pipeline {
  /** Variables declared (`:=`) or assigned (`=`) by this pipeline. */
  vars: string[];
  assign: 'declare' | 'set' | null;
  cmds: Operand[][];
  line: number;
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'out'; pipe: Pipeline }
  | { k: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] | null }
  | { k: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null }
  | { k: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null };

export interface Parsed {
  root: Node[];
  defines: Map<string, Node[]>;
}

function parsePipeline(name: string, line: number, tokens: Token[]): Pipeline {
  let pos = 0;
  const fail = (m: string): never => {
    throw new TemplateError(name, line, m);
  };
  const vars: string[] = [];
  let assign: Pipeline['assign'] = null;
  // `$a := ...`, `$a, $b := ...` (range only) or `$a = ...`
  const declEnd = tokens.findIndex((t) => t.t === 'punct' && (t.v === ':=' || t.v === '='));
  if (declEnd > 0 && tokens.slice(0, declEnd).every((t) => t.t === 'var' || (t.t === 'punct' && t.v === ','))) {
    for (const t of tokens.slice(0, declEnd)) if (t.t === 'var') vars.push(t.v);
    const op = tokens[declEnd];
    assign = op.t === 'punct' && op.v === ':=' ? 'declare' : 'set';
    pos = declEnd + 1;
  }
  const parse = (): Operand[][] => {
    const cmds: Operand[][] = [[]];
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.t === 'punct' && t.v === ')') break;
      pos++;
      const cmd = cmds[cmds.length - 1];
      if (t.t === 'punct') {
        if (t.v === '|') {
          if (cmd.length === 0) fail('empty command in pipeline');
          cmds.push([]);
        } else if (t.v === '(') {
          const inner = parse();
          if (tokens[pos]?.t !== 'punct' || (tokens[pos] as { v: string }).v !== ')') fail('unclosed (');
          pos++;
          cmd.push({ k: 'pipe', pipe: { vars: [], assign: null, cmds: inner, line } });
        } else {
          fail(`unexpected '${t.v}'`);
        }
      } else if (t.t === 'string' || t.t === 'number') {
        cmd.push({ k: 'lit', v: t.v });
      } else if (t.t === 'field') {
        cmd.push({ k: 'field', path: t.v });
      } else if (t.t === 'var') {
        cmd.push({ k: 'var', name: t.v, path: t.path });
      } else if (t.v === 'true' || t.v === 'false') {
        cmd.push({ k: 'lit', v: t.v === 'true' });
      } else if (t.v === 'nil') {
        cmd.push({ k: 'lit', v: null });
      } else {
        cmd.push({ k: 'ident', name: t.v });
      }
    }
    if (cmds[cmds.length - 1].length === 0) fail('empty pipeline');
    return cmds;
  };
  const cmds = parse();
  if (pos !== tokens.length) fail("unexpected ')'");
  return { vars, assign, cmds, line };
}

type Frame =
  | { k: 'root'; body: Node[] }
  | { k: 'define'; name: string; body: Node[] }
  | { k: 'if'; node: Extract<Node, { k: 'if' }>; body: Node[] }
  | { k: 'range' | 'with'; node: Extract<Node, { k: 'range' | 'with' }>; body: Node[] };

/** Parses one template file; `define` blocks are returned separately, as Go does. */
export function parse(name: string, src: string): Parsed {
  const pieces: Piece[] = lex(name, src);
  const defines = new Map<string, Node[]>();
  const stack: Frame[] = [{ k: 'root', body: [] }];
  const top = () => stack[stack.length - 1];
  for (const piece of pieces) {
    if (piece.kind === 'text') {
      top().body.push({ k: 'text', text: piece.text });
      continue;
    }
    const { tokens, line } = piece;
    const fail = (m: string): never => {
      throw new TemplateError(name, line, m);
    };
    const head = tokens[0];
    const keyword = head.t === 'ident' ? head.v : '';
    const rest = tokens.slice(1);
    if (keyword === 'if' || keyword === 'range' || keyword === 'with') {
      const pipe = parsePipeline(name, line, rest);
      const body: Node[] = [];
      if (keyword === 'if') {
        const node: Extract<Node, { k: 'if' }> = { k: 'if', branches: [{ cond: pipe, body }], otherwise: null };
        top().body.push(node);
        stack.push({ k: 'if', node, body });
      } else {
        const node = { k: keyword, pipe, body, otherwise: null } as Extract<Node, { k: 'range' | 'with' }>;
        top().body.push(node);
        stack.push({ k: keyword, node, body });
      }
    } else if (keyword === 'else') {
      const frame = top();
      if (frame.k !== 'if' && frame.k !== 'range' && frame.k !== 'with') fail('else outside a block');
      const f = frame as Extract<Frame, { k: 'if' | 'range' | 'with' }>;
      if (f.node.otherwise !== null) fail('else after else');
      const body: Node[] = [];
      if (rest.length > 0) {
        if (f.k !== 'if' || rest[0].t !== 'ident' || rest[0].v !== 'if') fail('only "else if" is supported');
        (f.node as Extract<Node, { k: 'if' }>).branches.push({ cond: parsePipeline(name, line, rest.slice(1)), body });
      } else {
        f.node.otherwise = body;
      }
      stack.pop();
      stack.push({ ...f, body } as Frame);
    } else if (keyword === 'end') {
      const frame = stack.pop();
      if (!frame || frame.k === 'root') fail('unexpected end');
      if (frame?.k === 'define') defines.set(frame.name, frame.body);
    } else if (keyword === 'define') {
      if (stack.length !== 1) fail('define must be at top level');
      if (rest.length !== 1 || rest[0].t !== 'string') fail('define needs one string name');
      stack.push({ k: 'define', name: (rest[0] as { v: string }).v, body: [] });
    } else if (keyword === 'template' || keyword === 'block' || keyword === 'break' || keyword === 'continue') {
      fail(`"${keyword}" is outside the supported subset (use include)`);
    } else {
      top().body.push({ k: 'out', pipe: parsePipeline(name, line, tokens) });
    }
  }
  if (stack.length !== 1) throw new TemplateError(name, 0, `unclosed ${top().k}`);
  return { root: stack[0].body, defines };
}
