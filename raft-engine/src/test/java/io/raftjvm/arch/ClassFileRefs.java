package io.raftjvm.arch;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a compiled class refers to, read straight from its class file (JVMS §4): every string in the
 * constant pool (class names and type descriptors among them), every method it calls as {@code
 * owner.name}, and the names of its synchronized methods and volatile fields.
 */
record ClassFileRefs(
    List<String> strings,
    List<String> methodRefs,
    List<String> synchronizedMethods,
    List<String> volatileFields) {

  private static final int ACC_SYNCHRONIZED = 0x0020;
  private static final int ACC_VOLATILE = 0x0040;

  static ClassFileRefs read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    if (d.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
    d.readUnsignedShort();
    d.readUnsignedShort();
    int count = d.readUnsignedShort();
    String[] utf8 = new String[count];
    int[][] refs = new int[count][];
    int[] tags = new int[count];
    for (int i = 1; i < count; i++) {
      int tag = d.readUnsignedByte();
      tags[i] = tag;
      switch (tag) {
        case 1 -> utf8[i] = d.readUTF();
        case 3, 4 -> d.readInt();
        case 5, 6 -> {
          d.readLong();
          i++;
        }
        case 7, 8, 16, 19, 20 -> refs[i] = new int[] {d.readUnsignedShort()};
        case 9, 10, 11, 12, 17, 18 ->
            refs[i] = new int[] {d.readUnsignedShort(), d.readUnsignedShort()};
        case 15 -> {
          d.readUnsignedByte();
          refs[i] = new int[] {d.readUnsignedShort()};
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    List<String> strings = new ArrayList<>();
    for (String s : utf8) if (s != null) strings.add(s);
    List<String> methodRefs = new ArrayList<>();
    for (int i = 1; i < count; i++) {
      if (tags[i] == 10 || tags[i] == 11) {
        String owner = utf8[refs[refs[i][0]][0]];
        String name = utf8[refs[refs[i][1]][0]];
        methodRefs.add(owner + "." + name);
      }
    }
    d.readUnsignedShort(); // access flags
    d.readUnsignedShort(); // this
    d.readUnsignedShort(); // super
    int interfaces = d.readUnsignedShort();
    for (int i = 0; i < interfaces; i++) d.readUnsignedShort();
    List<String> volatileFields = new ArrayList<>();
    readMembers(d, utf8, ACC_VOLATILE, volatileFields);
    List<String> synchronizedMethods = new ArrayList<>();
    readMembers(d, utf8, ACC_SYNCHRONIZED, synchronizedMethods);
    return new ClassFileRefs(strings, methodRefs, synchronizedMethods, volatileFields);
  }

  private static void readMembers(DataInputStream d, String[] utf8, int flag, List<String> flagged)
      throws IOException {
    int members = d.readUnsignedShort();
    for (int i = 0; i < members; i++) {
      int access = d.readUnsignedShort();
      String name = utf8[d.readUnsignedShort()];
      d.readUnsignedShort();
      if ((access & flag) != 0) flagged.add(name);
      int attributes = d.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        d.readUnsignedShort();
        d.skipNBytes(d.readInt() & 0xFFFFFFFFL);
      }
    }
  }
}
