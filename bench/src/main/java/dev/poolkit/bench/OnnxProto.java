package dev.poolkit.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Just enough protobuf to write one-node ONNX models at benchmark setup (onnx.proto's field numbers), so that the
 * ONNX Runtime peers need no model file: varint, fixed32 and length-delimited fields.
 */
final class OnnxProto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void raw(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    OnnxProto varint(int field, long v) {
        raw((long) field << 3);
        raw(v);
        return this;
    }

    OnnxProto fixed32(int field, int v) {
        raw(((long) field << 3) | 5);
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
        return this;
    }

    OnnxProto message(int field, byte[] bytes) {
        raw(((long) field << 3) | 2);
        raw(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    OnnxProto string(int field, String s) {
        return message(field, s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** ValueInfoProto of a tensor of element type {@code elemType} (1 float, 7 int64) and fixed shape. */
    static byte[] valueInfo(String name, int elemType, long... dims) {
        OnnxProto shape = new OnnxProto();
        for (long d : dims) shape.message(1, new OnnxProto().varint(1, d).bytes());
        byte[] tensor =
                new OnnxProto().varint(1, elemType).message(2, shape.bytes()).bytes();
        return new OnnxProto()
                .string(1, name)
                .message(2, new OnnxProto().message(1, tensor).bytes())
                .bytes();
    }

    /** AttributeProto of type INT. */
    static byte[] intAttribute(String name, long value) {
        return new OnnxProto().string(1, name).varint(3, value).varint(20, 2).bytes();
    }

    /** AttributeProto of type INTS. */
    static byte[] intsAttribute(String name, long... values) {
        OnnxProto a = new OnnxProto().string(1, name);
        for (long v : values) a.varint(8, v);
        return a.varint(20, 7).bytes();
    }

    /** ModelProto of one graph at IR version 8 with the default domain at {@code opset}. */
    static byte[] model(byte[] graph, int opset) {
        return new OnnxProto()
                .varint(1, 8)
                .message(7, graph)
                .message(8, new OnnxProto().string(1, "").varint(2, opset).bytes())
                .bytes();
    }
}
