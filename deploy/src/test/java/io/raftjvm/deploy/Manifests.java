package io.raftjvm.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The manifests of {@code deploy/kubernetes/}, read with the Kubernetes model, and the schema check
 * they must pass.
 *
 * <p>The model keeps a field it does not know in the {@code additionalProperties} of the object
 * that holds it instead of refusing it (a misspelt {@code replica: 3} would be kept there and the
 * default of one replica used; the API server drops it with at most a warning). So the check walks
 * every parsed object and reports each such field by its path ({@code spec.replica}), every
 * document whose kind the model does not know, every value of the wrong type and every object
 * without a name or with a namespace (the manifests work in whichever namespace they are applied
 * to).
 */
final class Manifests {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  private Manifests() {}

  /** deploy/ (the module's directory, surefire's working directory). */
  static Path moduleDir() {
    return Path.of("").toAbsolutePath();
  }

  static Path kubernetesDir() {
    return moduleDir().resolve("kubernetes");
  }

  /** Every {@code *.yaml} in deploy/kubernetes/, sorted. */
  static List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(kubernetesDir())) {
      return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
    }
  }

  /** Every object of every manifest; fails naming each problem the schema check finds. */
  static List<HasMetadata> all() throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path f : files()) {
      Parsed p = parse(f.getFileName().toString(), Files.readString(f));
      objects.addAll(p.objects());
      problems.addAll(p.problems());
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(
          "the manifests do not fit the schema:\n  " + String.join("\n  ", problems));
    }
    return objects;
  }

  /** The one object of this kind and name. */
  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> kind, String name) {
    List<T> found =
        objects.stream()
            .filter(kind::isInstance)
            .map(kind::cast)
            .filter(o -> name.equals(o.getMetadata().getName()))
            .toList();
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one " + kind.getSimpleName() + " named " + name + ", found " + found.size());
    }
    return found.get(0);
  }

  /** The one object of this kind. */
  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> kind) {
    List<T> found = ofKind(objects, kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  /** The objects of one file's YAML documents, and what the schema check says about them. */
  record Parsed(List<HasMetadata> objects, List<String> problems) {}

  /** Reads yaml (the text of a file named source), checking every document against the schema. */
  static Parsed parse(String source, String yaml) {
    Object read;
    try (InputStream in = new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))) {
      read = SERIALIZATION.unmarshal(in);
    } catch (RuntimeException | IOException e) {
      return new Parsed(List.of(), List.of(source + ": cannot be read: " + oneLine(e)));
    }
    List<Object> documents = read instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
    if (read != null && !(read instanceof List<?>)) documents.add(read);
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (documents.isEmpty()) problems.add(source + ": holds no Kubernetes object");
    for (Object d : documents) {
      if (!(d instanceof HasMetadata o)) {
        problems.add(source + ": not a Kubernetes object: " + d.getClass().getName());
        continue;
      }
      String name = o.getMetadata() == null ? null : o.getMetadata().getName();
      String where = source + " " + o.getKind() + "/" + name;
      if (o instanceof GenericKubernetesResource) {
        problems.add(where + ": unknown kind " + o.getKind() + " of " + o.getApiVersion());
        continue;
      }
      if (name == null || name.isBlank()) problems.add(where + ": metadata.name is missing");
      if (o.getMetadata() != null && o.getMetadata().getNamespace() != null) {
        problems.add(where + ": metadata.namespace is set (the manifests go in any namespace)");
      }
      List<String> unknown = new ArrayList<>();
      unknownFields(o, "", unknown);
      for (String path : unknown) problems.add(where + ": unknown field " + path);
      objects.add(o);
    }
    return new Parsed(objects, problems);
  }

  /**
   * Adds to out the path of every field that value, or any object below it, holds in its
   * additionalProperties: the fields its schema does not know.
   */
  static void unknownFields(Object value, String path, List<String> out) {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) unknownFields(list.get(i), path + "[" + i + "]", out);
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        unknownFields(e.getValue(), join(path, String.valueOf(e.getKey())), out);
      }
      return;
    }
    if (value == null || !value.getClass().getName().startsWith(MODEL_PACKAGE)) return;
    for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) continue;
        Object v = read(f, value);
        if (f.getName().equals("additionalProperties")) {
          if (v instanceof Map<?, ?> extra) {
            for (Object key :
                new TreeSet<>(extra.keySet().stream().map(String::valueOf).toList())) {
              out.add(join(path, String.valueOf(key)));
            }
          }
        } else {
          unknownFields(v, join(path, f.getName()), out);
        }
      }
    }
  }

  private static Object read(Field f, Object owner) {
    try {
      f.setAccessible(true);
      return f.get(owner);
    } catch (IllegalAccessException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + f + ": " + e, e);
    }
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private static String oneLine(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      sb.append(" / ").append(c.getMessage());
    }
    return sb.toString().replace('\n', ' ');
  }
}
