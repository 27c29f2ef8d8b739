import { convPoolPartialFloats, type Kernels } from '../../kernels/kernels.js';
import type { Ptr } from '../../kernels/index.js';
import type { Layer, PlanInput, PlanOutput } from '../layer.js';
import { sizeOf, type Shape } from '../tensor.js';
import { Conv2D } from './conv2d.js';
import { MaxPooling2D } from './pooling.js';

/** Taps per output up to which the direct fused kernel beats im2col + GEMM (a first layer: 3×3×1, 5×5×1, 3×3×3). */
const MAX_FUSED_TAPS = 32;

/**
 * `conv` then `pool` as one ConvReluMaxPool step, if they allow it: a ReLU convolution with few taps and a
 * multiple of 8 filters, then max pooling over disjoint windows without padding; else null. The caller also
 * checks that nobody needs the convolution's input gradient (the step computes none).
 */
export function fuseConvReluMaxPool(conv: Layer, pool: Layer | undefined): ConvReluMaxPool | null {
  if (!(conv instanceof Conv2D) || !(pool instanceof MaxPooling2D)) return null;
  const c = conv.window;
  const p = pool.window;
  const fusable =
    conv.activation === 'relu' &&
    conv.filters % 8 === 0 &&
    c.kh * c.kw * c.c <= MAX_FUSED_TAPS &&
    p.padTop === 0 &&
    p.padLeft === 0 &&
    p.sh >= p.kh &&
    p.sw >= p.kw;
  return fusable ? new ConvReluMaxPool(conv, pool) : null;
}

/**
 * A Conv2D (ReLU) and the MaxPooling2D after it, executed as one step by the kernels' convReluMaxPool: each
 * pooled cell's window of convolution outputs is computed and reduced at once, so the convolution's output
 * (for MNIST's first layer 26×26×32 per image, 4× the pooled size) is never written, nor its gradient. The
 * layers stay in the model as Keras sees them (names, weights, files); only the plan runs them together.
 */
export class ConvReluMaxPool {
  readonly stochastic = false;
  private x: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;
  private arg: Ptr = 0;
  private partial: Ptr = 0;

  constructor(
    readonly conv: Conv2D,
    readonly pool: MaxPooling2D,
  ) {}

  get outputShape(): Shape {
    return this.pool.outputShape;
  }

  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput, output: PlanOutput): void {
    const heap = kernels.heap;
    if (input.dx) throw new Error('ConvReluMaxPool computes no input gradient');
    const w = this.conv.window;
    this.x = input.x;
    this.y = output.y;
    this.dy = output.dy;
    this.arg = heap.alloc(batch * sizeOf(this.pool.outputShape) * 4);
    this.partial = training ? heap.alloc(convPoolPartialFloats(batch, w.kh * w.kw * w.c, this.conv.filters) * 4) : 0;
  }

  forward(k: Kernels, rows: number): void {
    const { conv, pool } = this;
    k.convReluMaxPool(
      conv.windowPtr,
      pool.windowPtr,
      rows,
      this.x,
      conv.kernel.value,
      conv.bias?.value ?? 0,
      this.y,
      this.arg,
    );
  }

  backward(k: Kernels, rows: number): void {
    const { conv, pool } = this;
    k.convReluMaxPoolBackward(
      conv.windowPtr,
      pool.windowPtr,
      rows,
      this.x,
      this.dy,
      this.arg,
      conv.kernel.grad,
      conv.bias?.grad ?? 0,
      this.partial,
    );
  }
}
