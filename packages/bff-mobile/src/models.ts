import type { Order } from '@edge/upstream';

/**
 * The home feed of one user. Its recent orders are read once, on first use, and shared by the
 * fields that need them, so one home query costs one order call whatever it selects.
 */
export interface HomeModel {
  userId: string;
  recentOrders(): Promise<Order[]>;
}
