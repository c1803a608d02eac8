package dev.poolkit.interop;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A one-node ONNX model written as protobuf bytes (onnx.proto's field numbers), so that tests need no model
 * file: {@code y = op(x)} on float tensors of fixed shapes.
 */
final class OnnxModel {
    private OnnxModel() {}

    /** One protobuf message under construction. */
    static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        private void varint(long value) {
            while ((value & ~0x7FL) != 0) {
                bytes.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            bytes.write((int) value);
        }

        Message integer(int field, long value) {
            varint((long) field << 3);
            varint(value);
            return this;
        }

        Message bytes(int field, byte[] value) {
            varint(((long) field << 3) | 2);
            varint(value.length);
            bytes.writeBytes(value);
            return this;
        }

        Message string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, Message value) {
            return bytes(field, value.toByteArray());
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }

    /** ValueInfoProto of a float tensor. */
    private static Message floatTensor(String name, long[] shape) {
        Message dims = new Message();
        for (long d : shape) dims.message(1, new Message().integer(1, d)); // TensorShapeProto.dim.dim_value
        Message tensorType = new Message().integer(1, 1).message(2, dims); // elem_type FLOAT, shape
        return new Message()
                .string(1, name)
                .message(2, new Message().message(1, tensorType)); // name, TypeProto.tensor_type
    }

    /** AttributeProto of type INTS. */
    static Message ints(String name, long... values) {
        Message a = new Message().string(1, name);
        for (long v : values) a.integer(8, v);
        return a.integer(20, 7);
    }

    /** AttributeProto of type INT. */
    static Message integer(String name, long value) {
        return new Message().string(1, name).integer(3, value).integer(20, 2);
    }

    /** AttributeProto of type STRING. */
    static Message string(String name, String value) {
        return new Message().string(1, name).string(4, value).integer(20, 3);
    }

    /** ValueInfoProto of a tensor of the given element type and unknown shape: the session says it. */
    private static Message anyShape(String name, int elementType) {
        Message tensorType = new Message().integer(1, elementType);
        return new Message().string(1, name).message(2, new Message().message(1, tensorType));
    }

    /**
     * The model {@code y = op(x)} (and {@code indices}, int64, when asked) at the given opset, its output shapes left
     * for the session to compute.
     *
     * @param attributes AttributeProto messages of the node
     */
    static byte[] of(String op, int opset, long[] inputShape, boolean indices, Message... attributes) {
        Message node = node(op, indices, attributes);
        Message y = anyShape("y", 1);
        return indices
                ? model(opset, node, inputShape, y, anyShape("indices", 7)) // INT64
                : model(opset, node, inputShape, y);
    }

    /**
     * The model {@code y = op(x)}, opset 13.
     *
     * @param attributes AttributeProto messages of the node
     */
    static byte[] of(String op, long[] inputShape, long[] outputShape, Message... attributes) {
        return model(13, node(op, false, attributes), inputShape, floatTensor("y", outputShape));
    }

    /** The NodeProto {@code op(x)} with output y, and indices as its second output when asked. */
    private static Message node(String op, boolean indices, Message... attributes) {
        Message node = new Message().string(1, "x").string(2, "y");
        if (indices) node.string(2, "indices");
        node.string(3, "node").string(4, op);
        for (Message a : attributes) node.message(5, a);
        return node;
    }

    /** The ModelProto of one node over input x, with the given ValueInfoProto outputs. */
    private static byte[] model(int opset, Message node, long[] inputShape, Message... outputs) {
        Message graph =
                new Message().message(1, node).string(2, "poolkit-test").message(11, floatTensor("x", inputShape));
        for (Message o : outputs) graph.message(12, o);
        return new Message()
                .integer(1, 8) // ir_version
                .string(2, "poolkit-test") // producer_name
                .message(7, graph)
                .message(8, new Message().string(1, "").integer(2, opset)) // opset_import
                .toByteArray();
    }
}
