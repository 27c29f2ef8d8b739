/**
 * ONNX export (opset 13) of a Sequential model, for ONNX Runtime, Triton or any other ONNX consumer. The graph
 * takes the model's float input (pixels already scaled, e.g. x/255; the scale is recorded in the model's
 * metadata_props) with a symbolic batch dimension, and returns the model's output (probabilities when the
 * model ends in softmax).
 *
 * Our layers are channels-last like Keras; ONNX's Conv, MaxPool, BatchNormalization and GlobalAveragePool are
 * channels-first. Image tensors are transposed to NCHW before the first such op and back to NHWC only where the
 * element order matters (Flatten, Reshape), so a run of convolutions costs two transposes in all.
 */
import { UsageError } from '../errors.js';
import type { Layer } from '../nn/layer.js';
import type { ActivationLayer } from '../nn/layers/activation.js';
import type { BatchNormalization } from '../nn/layers/batch-norm.js';
import type { Conv2D } from '../nn/layers/conv2d.js';
import type { Dense } from '../nn/layers/dense.js';
import type { MaxPooling2D } from '../nn/layers/pooling.js';
import type { Reshape } from '../nn/layers/reshape.js';
import type { Sequential } from '../nn/sequential.js';
import type { Window } from '../kernels/window.js';
import { VERSION } from '../version.js';
import { ProtoWriter } from './protobuf.js';

export const ONNX_OPSET = 13;

export interface OnnxExportOptions {
  /** Input scaling the model expects (x · scale + shift), recorded as metadata. Default 1/255, 0. */
  scale?: number;
  shift?: number;
}

/** The part of ONNX's schema (onnx.proto) that export fills, named as the ONNX tools name it in JavaScript. */
export interface OnnxAttribute {
  name: string;
  type: (typeof ATTRIBUTE_TYPE)[keyof typeof ATTRIBUTE_TYPE];
  f?: number;
  i?: number;
  ints?: number[];
}
export interface OnnxNode {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: OnnxAttribute[];
}
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: (typeof DATA_TYPE)[keyof typeof DATA_TYPE];
  rawData?: Uint8Array;
  int64Data?: number[];
}
/** A float tensor's type: `dimParam` names a symbolic dimension (the batch), `dimValue` gives a fixed one. */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimParam: string } | { dimValue: number })[] } } };
}
export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  metadataProps: { key: string; value: string }[];
  graph: { name: string; node: OnnxNode[]; initializer: OnnxTensor[]; input: OnnxValueInfo[]; output: OnnxValueInfo[] };
}

const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, INTS: 7 } as const;
const DATA_TYPE = { FLOAT: 1, INT64: 7 } as const;

type Layout = 'flat' | 'nhwc' | 'nchw';

/** Builds the graph node by node, naming every tensor uniquely. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private count = 0;

  constructor(private readonly model: Sequential) {}

  fresh(base: string): string {
    return `${base}_${this.count++}`;
  }

  node(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], name?: string): string {
    const output = this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, input: inputs, output: [output], name: name ?? output, attribute: attributes });
    return output;
  }

  /** A float initializer from values in the model's heap (copied). */
  floats(name: string, dims: number[], values: Float32Array): string {
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.initializers.push({ name, dims, dataType: DATA_TYPE.FLOAT, rawData: bytes });
    return name;
  }

  ints(name: string, values: number[]): string {
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: DATA_TYPE.INT64,
      int64Data: values,
    });
    return name;
  }

  param(layer: Layer, index: number): Float32Array {
    const p = layer.params[index];
    return this.model.kernels.heap.f32(p.value, p.size).slice();
  }
}

const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.INTS, ints });
const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.INT, i });
const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: ATTRIBUTE_TYPE.FLOAT, f });

/** ONNX pads [top, left, bottom, right] of a window (TensorFlow's "same" puts the odd cell at the end). */
function pads(w: Window): number[] {
  const bottom = Math.max(0, (w.oh - 1) * w.sh + w.kh - w.h - w.padTop);
  const right = Math.max(0, (w.ow - 1) * w.sw + w.kw - w.w - w.padLeft);
  return [w.padTop, w.padLeft, bottom, right];
}

/** Conv2D kernel (kh, kw, in, out) → ONNX's (out, in, kh, kw). */
function kernelOIHW(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/** The model as an ONNX ModelProto. Throws UsageError for a layer ONNX export does not cover. */
export function toOnnx(model: Sequential, options: OnnxExportOptions = {}): OnnxModel {
  const g = new GraphBuilder(model);
  const inputShape = model.inputShape;
  let x = 'input';
  let layout: Layout = inputShape.length === 3 ? 'nhwc' : 'flat';
  let rank = inputShape.length + 1;
  const toNchw = () => {
    if (layout === 'nhwc') x = g.node('Transpose', [x], [intsAttr('perm', [0, 3, 1, 2])]);
    layout = 'nchw';
  };
  const toNhwc = () => {
    if (layout === 'nchw') x = g.node('Transpose', [x], [intsAttr('perm', [0, 2, 3, 1])]);
    if (layout !== 'flat') layout = 'nhwc';
  };
  const activation = (a: string, name: string) => {
    if (a === 'relu') x = g.node('Relu', [x], [], `${name}/relu`);
    else if (a === 'softmax') {
      toNhwc(); // softmax over channels is over the last axis
      x = g.node('Softmax', [x], [intAttr('axis', -1)], `${name}/softmax`);
    } else if (a !== 'linear') throw new UsageError(`layer "${name}": activation ${a} cannot be exported to ONNX`);
  };

  for (const layer of model.layers) {
    const name = layer.name;
    switch (layer.className) {
      case 'Dense': {
        const d = layer as Dense;
        if (rank > 2) {
          toNhwc();
          x = g.node('Flatten', [x], [intAttr('axis', 1)]);
          rank = 2;
          layout = 'flat';
        }
        const w = g.floats(`${name}/kernel`, [...d.params[0].shape], g.param(d, 0));
        if (d.useBias) {
          const b = g.floats(`${name}/bias`, [d.units], g.param(d, 1));
          x = g.node('Gemm', [x, w, b], [], name);
        } else x = g.node('MatMul', [x, w], [], name);
        activation(d.activation, name);
        break;
      }
      case 'Conv2D': {
        const c = layer as Conv2D;
        const win = c.window;
        toNchw();
        const k = g.floats(
          `${name}/kernel`,
          [c.filters, win.c, win.kh, win.kw],
          kernelOIHW(g.param(c, 0), win.kh, win.kw, win.c, c.filters),
        );
        const inputs = [x, k];
        if (c.useBias) inputs.push(g.floats(`${name}/bias`, [c.filters], g.param(c, 1)));
        x = g.node(
          'Conv',
          inputs,
          [
            intsAttr('kernel_shape', [win.kh, win.kw]),
            intsAttr('strides', [win.sh, win.sw]),
            intsAttr('pads', pads(win)),
          ],
          name,
        );
        activation(c.activation, name);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const win = (layer as MaxPooling2D).window;
        toNchw();
        const attributes = [
          intsAttr('kernel_shape', [win.kh, win.kw]),
          intsAttr('strides', [win.sh, win.sw]),
          intsAttr('pads', pads(win)),
        ];
        // Keras averages over the cells inside the image only.
        if (layer.className === 'AveragePooling2D') attributes.push(intAttr('count_include_pad', 0));
        x = g.node(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x], attributes, name);
        break;
      }
      case 'BatchNormalization': {
        const bn = layer as BatchNormalization;
        if (rank === 4) toNchw();
        else if (rank !== 2)
          throw new UsageError(`layer "${name}": batch normalization of rank-${rank} tensors cannot be exported`);
        const c = bn.params[0].size;
        const inputs = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((p, i) =>
          g.floats(`${name}/${p}`, [c], g.param(bn, i)),
        );
        x = g.node('BatchNormalization', [x, ...inputs], [floatAttr('epsilon', bn.epsilon)], name);
        break;
      }
      case 'Flatten':
        toNhwc();
        x = g.node('Flatten', [x], [intAttr('axis', 1)], name);
        rank = 2;
        layout = 'flat';
        break;
      case 'Reshape': {
        const r = layer as Reshape;
        toNhwc();
        const shape = g.ints(`${name}/shape`, [0, ...r.targetShape]);
        x = g.node('Reshape', [x, shape], [], name);
        rank = r.targetShape.length + 1;
        layout = rank === 4 ? 'nhwc' : 'flat';
        break;
      }
      case 'GlobalAveragePooling2D':
        toNchw();
        x = g.node('GlobalAveragePool', [x], [], name);
        x = g.node('Flatten', [x], [intAttr('axis', 1)]);
        rank = 2;
        layout = 'flat';
        break;
      case 'Dropout':
        break; // inference: identity
      case 'Activation':
      case 'ReLU':
      case 'Softmax':
        activation((layer as ActivationLayer).activation, name);
        break;
      default:
        throw new UsageError(`layer "${name}" (${layer.className}) cannot be exported to ONNX`);
    }
  }
  toNhwc();
  // Name the graph's output by an Identity, so it is "output" whatever the last node was.
  g.nodes.push({ opType: 'Identity', input: [x], output: ['output'], name: 'output', attribute: [] });

  const dims = (shape: readonly number[]): OnnxValueInfo['type']['tensorType']['shape']['dim'] => [
    { dimParam: 'batch' },
    ...shape.map((d) => ({ dimValue: d })),
  ];
  const valueInfo = (name: string, shape: readonly number[]): OnnxValueInfo => ({
    name,
    type: { tensorType: { elemType: DATA_TYPE.FLOAT, shape: { dim: dims(shape) } } },
  });
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'digits',
    producerVersion: VERSION,
    metadataProps: [
      { key: 'input_scale', value: String(options.scale ?? 1 / 255) },
      { key: 'input_shift', value: String(options.shift ?? 0) },
      { key: 'input_layout', value: inputShape.length === 3 ? 'NHWC' : 'flat' },
    ],
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('input', inputShape)],
      output: [valueInfo('output', model.outputShape)],
    },
  };
}

/** The serialised ONNX model. */
export function onnxBytes(model: Sequential, options: OnnxExportOptions = {}): Uint8Array {
  return encodeOnnxModel(toOnnx(model, options));
}

// Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
// TypeProto, TensorShapeProto), written in field order.

/** A ModelProto's bytes. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  w.message(7, (g) => encodeGraph(g, m.graph));
  for (const o of m.opsetImport) w.message(8, (x) => x.string(1, o.domain).int(2, o.version));
  for (const p of m.metadataProps) w.message(14, (x) => x.string(1, p.key).string(2, p.value));
  return w.finish().slice();
}

function encodeGraph(w: ProtoWriter, g: OnnxModel['graph']): void {
  for (const n of g.node) w.message(1, (x) => encodeNode(x, n));
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, (x) => encodeTensor(x, t));
  for (const v of g.input) w.message(11, (x) => encodeValueInfo(x, v));
  for (const v of g.output) w.message(12, (x) => encodeValueInfo(x, v));
}

function encodeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.input) w.string(1, i);
  for (const o of n.output) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attribute)
    w.message(5, (x) => {
      x.string(1, a.name);
      if (a.f !== undefined) x.float(2, a.f);
      if (a.i !== undefined) x.int(3, a.i);
      if (a.ints !== undefined) x.ints(8, a.ints);
      x.int(20, a.type);
    });
}

function encodeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.ints(1, t.dims).int(2, t.dataType);
  if (t.int64Data) w.ints(7, t.int64Data);
  w.string(8, t.name);
  if (t.rawData) w.bytesField(9, t.rawData);
}

function encodeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, v.type.tensorType.elemType).message(2, (shape) => {
        for (const d of v.type.tensorType.shape.dim)
          shape.message(1, (x) => ('dimParam' in d ? x.string(2, d.dimParam) : x.int(1, d.dimValue)));
      }),
    ),
  );
}
