/**
 * Application code written for cache-manager only, as a NestJS provider injecting
 * `CACHE_MANAGER` would be: it knows nothing of Strata.
 */
import type { Cache } from 'cache-manager'

/** A product row. */
export interface Product {
  readonly id: number
  readonly name: string
  readonly price: number
}

/** A stand-in for a database table that counts its queries. */
export class ProductTable {
  queries = 0
  private readonly rows = new Map<number, Product>([
    [1, { id: 1, name: 'Espresso machine', price: 499 }],
    [2, { id: 2, name: 'Grinder', price: 189 }],
  ])

  async find(id: number): Promise<Product | undefined> {
    this.queries += 1
    return this.rows.get(id)
  }

  async update(id: number, changes: Partial<Omit<Product, 'id'>>): Promise<Product> {
    const row = this.rows.get(id)
    if (!row) throw new Error(`no product ${id}`)
    const updated = { ...row, ...changes }
    this.rows.set(id, updated)
    return updated
  }
}

/** Products, cached for a minute by cache-manager's `wrap`, dropped from the cache on update. */
export class CatalogService {
  constructor(
    private readonly cache: Cache,
    private readonly table: ProductTable,
  ) {}

  product(id: number): Promise<Product | undefined> {
    return this.cache.wrap(`product:${id}`, () => this.table.find(id), 60_000)
  }

  async rename(id: number, name: string): Promise<Product> {
    const updated = await this.table.update(id, { name })
    await this.cache.del(`product:${id}`)
    return updated
  }
}
