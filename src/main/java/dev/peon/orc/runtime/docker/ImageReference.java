package dev.peon.orc.runtime.docker;

/** An image name split into repository and tag; no tag means {@code latest}. */
record ImageReference(String repository, String tag) {

  /** Splits {@code repo[:tag]}; a digest reference ({@code repo@sha256:...}) keeps no tag. */
  static ImageReference parse(String image) {
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("image name is empty");
    }
    if (image.contains("@")) {
      return new ImageReference(image, null);
    }
    int colon = image.lastIndexOf(':');
    if (colon > image.lastIndexOf('/')) {
      return new ImageReference(image.substring(0, colon), image.substring(colon + 1));
    }
    return new ImageReference(image, "latest");
  }
}
