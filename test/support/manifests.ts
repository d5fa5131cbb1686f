/** deployments(images): one commented Deployment per image, each image line ending in `# keep me`. */
export const deployments = (images: readonly string[]): string =>
  images
    .map(
      (img, i) =>
        `# deployment ${i}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d${i}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: ${img} # keep me\n`,
    )
    .join('---\n');
