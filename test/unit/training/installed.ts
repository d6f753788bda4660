/** Whether a package resolves here: the native TensorFlow packages are there only after `npm run setup:native`. */
export function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}
