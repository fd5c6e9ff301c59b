import { keyValueModel } from './kv-model';
import type { AnyModel } from './model';
import { registerModel } from './register-model';

/** The models the checker knows by name (the names used in verdicts.json and the CLI). */
export const linearizabilityModels: Readonly<Record<string, AnyModel>> = {
  register: registerModel,
  kv: keyValueModel,
};

export function modelNamed(name: string): AnyModel | undefined {
  return Object.prototype.hasOwnProperty.call(linearizabilityModels, name) ? linearizabilityModels[name] : undefined;
}
