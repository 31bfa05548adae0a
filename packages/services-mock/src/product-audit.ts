import type { ProductChangeType } from '@edge/catalog-events';

/** One change of one product: who, why, and what moved. */
export interface AuditEntry {
  version: number;
  type: Exclude<ProductChangeType, 'product_snapshot'>;
  actor: string;
  reason: string;
  at: string;
  changes: Record<string, { from: number | null; to: number }>;
}

/** Who changed which product and why, oldest first; back to empty on reset like the rest. */
export class ProductAudit {
  private readonly entries = new Map<string, AuditEntry[]>();

  record(productId: string, entry: AuditEntry): void {
    const list = this.entries.get(productId);
    if (list) list.push(entry);
    else this.entries.set(productId, [entry]);
  }

  list(productId: string): readonly AuditEntry[] {
    return this.entries.get(productId) ?? [];
  }

  reset(): void {
    this.entries.clear();
  }
}
