package dev.poolkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.poolkit.Layout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two region-pooling benchmarks time the same work: poolkit's output equals ONNX Runtime's on the benchmark's problem. */
class RoiBenchTest {
    @Test
    void poolkitAndOnnxRuntimeComputeTheSameHead() throws Exception {
        for (String mode : new String[] {"avg", "max"}) {
            RoiBench poolkit = new RoiBench();
            poolkit.op = mode.equals("avg") ? "align_avg" : "align_max_onnxruntime";
            poolkit.layout = Layout.NCHW;
            poolkit.backend = dev.poolkit.Pooling.nativeAvailable() ? "native" : "java";
            poolkit.setUp();
            RoiOnnxRuntimeBench peer = new RoiOnnxRuntimeBench();
            peer.mode = mode;
            peer.setUp();
            try {
                poolkit.run();
                Field output = RoiBench.class.getDeclaredField("output");
                output.setAccessible(true);
                float[] ours =
                        ((dev.poolkit.Tensor) output.get(poolkit)).segment().toArray(ValueLayout.JAVA_FLOAT);
                Field session = RoiOnnxRuntimeBench.class.getDeclaredField("session");
                session.setAccessible(true);
                Field[] inputs = {
                    RoiOnnxRuntimeBench.class.getDeclaredField("x"),
                    RoiOnnxRuntimeBench.class.getDeclaredField("rois"),
                    RoiOnnxRuntimeBench.class.getDeclaredField("batch")
                };
                for (Field f : inputs) f.setAccessible(true);
                try (OrtSession.Result r = ((OrtSession) session.get(peer))
                        .run(Map.of(
                                "X",
                                (OnnxTensor) inputs[0].get(peer),
                                "rois",
                                (OnnxTensor) inputs[1].get(peer),
                                "batch_indices",
                                (OnnxTensor) inputs[2].get(peer)))) {
                    FloatBuffer theirs = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    assertEquals(ours.length, theirs.remaining());
                    for (int i = 0; i < ours.length; i++)
                        assertEquals(theirs.get(i), ours[i], 1e-5f * (1 + Math.abs(ours[i])), mode + " at " + i);
                }
            } finally {
                poolkit.tearDown();
                peer.tearDown();
            }
        }
    }
}
