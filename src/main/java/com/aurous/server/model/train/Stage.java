package com.aurous.server.model.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.types.family.TType;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

import com.aurous.server.model.tiny.Params;
import com.aurous.server.model.tiny.WeightFile;

/**
 * One training stage: a graph with a scalar loss, Adam (tensorflow-framework's graph-mode
 * optimizer) over the graph's variables, batches prepared one ahead on a producer thread, a
 * checkpoint (TensorFlow's own, optimizer state included) plus a {@link WeightFile} every
 * {@code checkpointSeconds}, and a line per step in {@code loss.csv}.
 *
 * <p>Resume: the stage directory's {@code step} file says how far the checkpoint got; a rerun of
 * the same command restores it and continues. Batch {@code i} is a function of the seed and
 * {@code i} alone, so a resumed run sees the data an unbroken one would have.
 */
abstract class Stage<B extends Stage.Feed> {

  /** A prepared batch: feeds itself into a runner, then releases its tensors. */
  interface Feed extends AutoCloseable {
    void feed(Session.Runner runner);

    @Override
    void close();
  }

  final String name;
  final TrainConfig cfg;
  final Path dir;
  final PrintStream log;

  Stage(String name, TrainConfig cfg, PrintStream log) {
    this.name = name;
    this.cfg = cfg;
    this.dir = cfg.out().resolve(name);
    this.log = log;
  }

  /** Builds the network and returns its loss; {@code params} holds its weights. */
  abstract Operand<TFloat32> build(Ops tf, Params params);

  abstract Params params();

  /** The batch for step {@code index} (called on the producer thread). */
  abstract B batch(long index);

  abstract int totalSteps();

  abstract float learningRate();

  /** Hook after every step (the denoiser keeps its weight average here). */
  void afterStep(int step, Params params, Session session) {}

  /** Hook at every checkpoint, and at resume, for state beyond TensorFlow's variables. */
  void saveExtra() throws IOException {}

  void restoreExtra() throws IOException {}

  /** After the last step (and on every checkpoint): the weights to keep. */
  WeightFile weights(Params params, Session session) {
    return params.snapshot(session);
  }

  /** Hook after the last step, with the session still open. */
  void finish(Params params, Session session) throws IOException {}

  Path weightFile() {
    return dir.resolve(name + ".weights");
  }

  boolean done() {
    return completedSteps() >= totalSteps() && Files.isRegularFile(weightFile());
  }

  int completedSteps() {
    try {
      Path f = dir.resolve("step");
      return Files.isRegularFile(f) ? Integer.parseInt(Files.readString(f).trim()) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs (or resumes) the stage; returns the smoothed final loss and the first losses. */
  Outcome run() throws IOException {
    Files.createDirectories(dir);
    int total = totalSteps();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Params params = params();
      Operand<TFloat32> loss = build(tf, params);
      Op train = clippedAdam(g, tf, loss);
      try (Session session = new Session(g, sessionConfig(cfg.threads()))) {
        int start = completedSteps();
        if (start > 0) {
          session.restore(dir.resolve("ckpt").resolve("ckpt").toString());
          restoreExtra();
          log.printf(Locale.ROOT, "[%s] resumed at step %d of %d%n", name, start, total);
        } else {
          session.initialize();
        }
        log.printf(Locale.ROOT, "[%s] %d weights, %d steps%n", name, params.parameterCount(),
            total);
        List<Double> losses = new ArrayList<>();
        Producer producer = new Producer(start, total);
        Progress progress = new Progress(name, start, total, log, 15);
        long lastCheckpoint = System.nanoTime();
        for (int step = start + 1; step <= total; step++) {
          double value;
          try (B b = producer.take()) {
            Session.Runner r = session.runner().addTarget(train).fetch(loss);
            b.feed(r);
            try (Result res = r.run()) {
              value = ((TFloat32) res.get(0)).getFloat();
            }
          }
          if (!Double.isFinite(value)) {
            throw new IllegalStateException(name + ": loss is " + value + " at step " + step);
          }
          losses.add(value);
          afterStep(step, params, session);
          progress.update(step, value);
          appendLoss(step, value);
          if (System.nanoTime() - lastCheckpoint > cfg.checkpointSeconds() * 1_000_000_000L) {
            checkpoint(session, params, step);
            lastCheckpoint = System.nanoTime();
          }
        }
        producer.stop();
        if (start < total) {
          checkpoint(session, params, total);
        }
        finish(params, session);
        return new Outcome(losses, progress.smoothedLoss());
      }
    }
  }

  record Outcome(List<Double> losses, double smoothed) {}

  /** Gradients are clipped to this global norm before Adam: one bad batch cannot blow a stage up. */
  static final float CLIP_NORM = 1.0f;

  @SuppressWarnings("unchecked")
  private Op clippedAdam(Graph g, Ops tf, Operand<TFloat32> loss) {
    Adam adam = new Adam(g, learningRate());
    List<Optimizer.GradAndVar<?>> gvs = adam.computeGradients(loss);
    Operand<TFloat32> sq = null;
    for (Optimizer.GradAndVar<?> gv : gvs) {
      Operand<TFloat32> grad = (Output<TFloat32>) gv.getGradient();
      Operand<TFloat32> s = tf.reduceSum(tf.math.square(grad), allAxes(tf, grad));
      sq = sq == null ? s : tf.math.add(sq, s);
    }
    Operand<TFloat32> norm = tf.math.sqrt(sq);
    Operand<TFloat32> scale = tf.math.div(tf.constant(CLIP_NORM),
        tf.math.maximum(norm, tf.constant(CLIP_NORM)));
    List<Optimizer.GradAndVar<? extends TType>> clipped = new ArrayList<>();
    for (Optimizer.GradAndVar<?> gv : gvs) {
      Output<TFloat32> grad = (Output<TFloat32>) gv.getGradient();
      clipped.add(new Optimizer.GradAndVar<>(tf.math.mul(grad, scale).asOutput(),
          (Output<TFloat32>) gv.getVariable()));
    }
    return adam.applyGradients(clipped, "train");
  }

  private static Operand<org.tensorflow.types.TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  private void checkpoint(Session session, Params params, int step) throws IOException {
    Path ckpt = dir.resolve("ckpt");
    Files.createDirectories(ckpt);
    session.save(ckpt.resolve("ckpt").toString());
    saveExtra();
    weights(params, session).write(weightFile());
    Path tmp = dir.resolve("step.tmp");
    Files.writeString(tmp, Integer.toString(step));
    Files.move(tmp, dir.resolve("step"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    log.printf(Locale.ROOT, "[%s] checkpoint at step %d%n", name, step);
  }

  private void appendLoss(int step, double loss) throws IOException {
    Files.writeString(cfg.out().resolve("loss.csv"),
        String.format(Locale.ROOT, "%s,%d,%.6f,%d%n", name, step, loss, System.currentTimeMillis()),
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  static ConfigProto sessionConfig(int threads) {
    return ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
        .setInterOpParallelismThreads(1).setUsePerSessionThreads(true)
        .putDeviceCount("GPU", 0).build();
  }

  static TFloat32 floats(float[] v, long... shape) {
    return TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(shape),
        org.tensorflow.ndarray.buffer.DataBuffers.of(v, true, false));
  }

  static void closeAll(Tensor... ts) {
    for (Tensor t : ts) {
      if (t != null) {
        t.close();
      }
    }
  }

  /** Prepares batches one ahead on its own thread, in step order. */
  private final class Producer {
    private final BlockingQueue<B> queue = new ArrayBlockingQueue<>(2);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopped;

    Producer(int start, int total) {
      thread = new Thread(() -> {
        try {
          for (long i = start; i < total && !stopped; i++) {
            queue.put(batch(cfg.fixedData() ? 0 : i));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Throwable t) {
          failure.set(t);
        }
      }, "aurous-train-data");
      thread.setDaemon(true);
      thread.start();
    }

    B take() {
      try {
        while (true) {
          B b = queue.poll(1, java.util.concurrent.TimeUnit.SECONDS);
          if (b != null) {
            return b;
          }
          if (failure.get() != null) {
            throw new IllegalStateException("batch preparation failed", failure.get());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    void stop() {
      stopped = true;
      thread.interrupt();
      B b;
      while ((b = queue.poll()) != null) {
        b.close();
      }
    }
  }
}
