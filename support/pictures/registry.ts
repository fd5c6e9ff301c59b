/*
 * Pictures a scenario part wants in the report, registered when the part is created and
 * attached by support/picture-hooks.ts at the end of the scenario, passed or failed.
 */
const pictures = new WeakMap<object, { title: string; draw: () => string | undefined }[]>();

export function registerPicture(world: object, title: string, draw: () => string | undefined): void {
  pictures.set(world, [...(pictures.get(world) ?? []), { title, draw }]);
}

export function registeredPictures(world: object): readonly { title: string; draw: () => string | undefined }[] {
  return pictures.get(world) ?? [];
}
