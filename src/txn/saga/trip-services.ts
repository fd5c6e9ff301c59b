import type { StoreServiceDefinition } from './store-service';

/**
 * The trip-booking services over the store: flights (seats), hotels (rooms), cars and
 * payments (credit). Each is an inventory: `<service>/stock` holds the units left, and
 * `<service>/booking/<saga id>` what a saga holds, `reserved:<units>` or
 * `cancelled:<units>`. Reserving takes units from the stock (refused when too few are
 * left); cancelling gives them back. The stock is one key every saga writes, so
 * concurrent sagas contend for it as real bookings would.
 */

export interface InventoryArgs {
  readonly sagaId: string;
  readonly units: number;
}

export const stockKey = (service: string): string => `${service}/stock`;
export const bookingKey = (service: string, sagaId: string): string => `${service}/booking/${sagaId}`;

export type Booking = { readonly state: 'reserved' | 'cancelled'; readonly units: number };

export function parseBooking(value: string | null): Booking | undefined {
  if (value === null) return undefined;
  const [state, units] = value.split(':');
  if ((state !== 'reserved' && state !== 'cancelled') || !Number.isInteger(Number(units))) throw new Error(`a booking reads ${JSON.stringify(value)}`);
  return { state, units: Number(units) };
}

function inventoryArgs(args: unknown): InventoryArgs {
  const candidate = args as Partial<InventoryArgs> | null;
  if (typeof candidate?.sagaId !== 'string' || !Number.isInteger(candidate.units) || (candidate.units as number) < 1) throw new Error(`inventory arguments need a saga id and whole units, got ${JSON.stringify(args)}`);
  return candidate as InventoryArgs;
}

/** An inventory service named `name`: `reserve` takes units, `cancel` gives them back. */
export function inventoryService(name: string): StoreServiceDefinition {
  const keysOf = (args: unknown) => [stockKey(name), bookingKey(name, inventoryArgs(args).sagaId)];
  return {
    name,
    actions: {
      reserve: {
        keys: keysOf,
        apply(args, values) {
          const { sagaId, units } = inventoryArgs(args);
          const stock = Number(values.get(stockKey(name)) ?? '0');
          if (stock < units) return { refuse: `${name}: ${units} wanted, ${stock} left` };
          return { writes: new Map([[stockKey(name), String(stock - units)], [bookingKey(name, sagaId), `reserved:${units}`]]), result: `${name} reserved ${units}` };
        },
      },
    },
    compensations: {
      cancel: {
        undoes: 'reserve',
        keys: keysOf,
        apply(args, values) {
          const { sagaId, units } = inventoryArgs(args);
          const stock = Number(values.get(stockKey(name)) ?? '0');
          return { writes: new Map([[stockKey(name), String(stock + units)], [bookingKey(name, sagaId), `cancelled:${units}`]]), result: `${name} gave back ${units}` };
        },
      },
    },
  };
}
