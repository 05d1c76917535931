package dev.peon.orc.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a new server may go on a cluster: pinned to one node (by id or host name), or to any node
 * carrying all the given labels; {@link #ANY} lets the spread policy choose.
 *
 * @param node a node id or host name, or null
 * @param labels node labels every candidate must carry (empty: any node)
 */
public record PlacementRequest(String node, Map<String, String> labels) {
  public static final PlacementRequest ANY = new PlacementRequest(null, Map.of());

  private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");
  private static final int MAX_LABELS = 16;

  public PlacementRequest {
    labels = Map.copyOf(labels);
    List<String> problems = problems(node, labels);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /** What is wrong with a placement given from outside; empty when it is valid. */
  public static List<String> problems(String node, Map<String, String> labels) {
    List<String> out = new ArrayList<>();
    if (node != null && !NODE.matcher(node).matches()) {
      out.add("node must be a node id or host name (letters, digits, '.', '_', '-'; 1-128)");
    }
    if (labels != null) {
      if (labels.size() > MAX_LABELS) {
        out.add("at most " + MAX_LABELS + " node labels");
      }
      for (Map.Entry<String, String> e : labels.entrySet()) {
        if (!LABEL_KEY.matcher(e.getKey()).matches()) {
          out.add("node label '" + e.getKey() + "' is not a valid label name");
        } else if (e.getValue() == null || e.getValue().length() > 256) {
          out.add("node label '" + e.getKey() + "' needs a value of at most 256 characters");
        }
      }
    }
    return out;
  }
}
