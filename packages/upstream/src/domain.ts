/** Shapes the order, product and user services answer with (see docs/services-mock.md). */

export interface Money {
  amountCents: number;
  currency: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  /** The partner this customer registered through; null for the platform's own users. */
  partnerId: string | null;
}

export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export interface OrderItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  userId: string;
  partnerId: string | null;
  status: string;
  items: OrderItem[];
  totalCents: number;
  currency: string;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
