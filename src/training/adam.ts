import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { Tensorflow } from './backend';

/**
 * Adam as tfjs's AdamOptimizer computes it, the same float32 operations on every element in the same order
 * (so bit for bit the same weights), but on all parameters at once: one flat vector of first moments and
 * one of second moments instead of a dozen elementwise kernels per variable. A small network's step spends
 * more time launching kernels than computing them, so this cuts the optimiser's share of a step by half.
 * Its state reads and writes in AdamOptimizer.getWeights()'s layout, so checkpoints are unchanged.
 */
export class FlatAdam {
  /** Steps applied: tfjs's `iterations`, the first tensor of getWeights(). */
  private iterations = 0;
  private readonly firstMoment: Variable;
  private readonly secondMoment: Variable;
  // beta1^t and beta2^t, one float32 multiplication per step as tfjs accumulates them (accBeta1, accBeta2).
  private readonly beta1Power: Variable;
  private readonly beta2Power: Variable;
  private readonly constants: Record<'one' | 'beta1' | 'oneMinusBeta1' | 'beta2' | 'oneMinusBeta2' | 'epsilon' | 'negativeLearningRate', Scalar>;
  private readonly sizes: number[];

  constructor(
    private readonly tf: Tensorflow,
    private readonly variables: readonly Variable[],
    learningRate: number,
    { beta1 = 0.9, beta2 = 0.999 }: { beta1?: number; beta2?: number } = {},
  ) {
    this.sizes = variables.map((variable) => variable.size);
    const total = this.sizes.reduce((sum, size) => sum + size, 0);
    // tidy disposes the initial values; the variables hold their own references to the data.
    [this.firstMoment, this.secondMoment, this.beta1Power, this.beta2Power] = tf.tidy(() => [
      tf.variable(tf.zeros([total]), false),
      tf.variable(tf.zeros([total]), false),
      tf.variable(tf.scalar(beta1), false),
      tf.variable(tf.scalar(beta2), false),
    ]);
    // The numbers tfjs's Adam passes to its ops, as the float32 scalars those ops make of them.
    this.constants = {
      one: tf.scalar(1),
      beta1: tf.scalar(beta1),
      oneMinusBeta1: tf.scalar(1 - beta1),
      beta2: tf.scalar(beta2),
      oneMinusBeta2: tf.scalar(1 - beta2),
      epsilon: tf.scalar(tf.backend().epsilon()),
      negativeLearningRate: tf.scalar(-learningRate),
    };
  }

  /** One step; `gradients` in the order of the variables. */
  apply(gradients: readonly Tensor[]): void {
    const { tf, constants: c } = this;
    tf.tidy(() => {
      const gradient = tf.concat(gradients.map((tensor) => tf.reshape(tensor, [-1])));
      const firstMoment = tf.add(tf.mul(this.firstMoment, c.beta1), tf.mul(gradient, c.oneMinusBeta1));
      const secondMoment = tf.add(tf.mul(this.secondMoment, c.beta2), tf.mul(tf.square(gradient), c.oneMinusBeta2));
      const correctedFirst = tf.div(firstMoment, tf.sub(c.one, this.beta1Power));
      const correctedSecond = tf.div(secondMoment, tf.sub(c.one, this.beta2Power));
      this.firstMoment.assign(firstMoment);
      this.secondMoment.assign(secondMoment);
      const updates = tf.split(tf.mul(tf.div(correctedFirst, tf.add(tf.sqrt(correctedSecond), c.epsilon)), c.negativeLearningRate), this.sizes);
      this.variables.forEach((variable, index) => variable.assign(tf.add(tf.reshape(updates[index]!, variable.shape), variable)));
      this.beta1Power.assign(tf.mul(this.beta1Power, c.beta1));
      this.beta2Power.assign(tf.mul(this.beta2Power, c.beta2));
    });
    this.iterations += 1;
  }

  /** AdamOptimizer.getWeights()'s tensors: the iteration count, every variable's first moments, then its second moments. The caller disposes them. */
  weights(): Tensor[] {
    const { tf } = this;
    return tf.tidy(() => [
      tf.scalar(this.iterations, 'int32'),
      ...[this.firstMoment, this.secondMoment].flatMap((moments) =>
        tf.split(moments, this.sizes).map((part, index) => tf.reshape(part, this.variables[index]!.shape)),
      ),
    ]);
  }

  async betaPowers(): Promise<[number, number]> {
    return [(await this.beta1Power.data())[0]!, (await this.beta2Power.data())[0]!];
  }

  /** The state `weights()` and `betaPowers()` returned, possibly from tfjs's own AdamOptimizer. */
  async restore(weights: readonly Tensor[], [beta1Power, beta2Power]: [number, number]): Promise<void> {
    const { tf } = this;
    const [iterations, ...moments] = weights;
    if (!iterations || moments.length !== 2 * this.variables.length) {
      throw new Error(`an Adam state for ${this.variables.length} variables has ${1 + 2 * this.variables.length} tensors, got ${weights.length}`);
    }
    this.iterations = (await iterations.data())[0]!;
    tf.tidy(() => {
      const flat = (parts: readonly Tensor[]): Tensor => tf.concat(parts.map((part) => tf.reshape(part, [-1])));
      this.firstMoment.assign(flat(moments.slice(0, this.variables.length)));
      this.secondMoment.assign(flat(moments.slice(this.variables.length)));
      this.beta1Power.assign(tf.scalar(beta1Power, 'float32'));
      this.beta2Power.assign(tf.scalar(beta2Power, 'float32'));
    });
  }

  dispose(): void {
    this.tf.dispose([this.firstMoment, this.secondMoment, this.beta1Power, this.beta2Power, ...Object.values(this.constants)]);
  }
}
