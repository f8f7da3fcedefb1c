// Deterministic row generator of the "Trailhead Outfitters" sample database.
//
// Why this is written the way it is:
//   - The output is a test fixture and a cache key (SAMPLE_SCRIPT_VERSION), so it must be
//     byte-identical on every run, machine, Node version and TimeZone. Hence: a seeded PRNG
//     (mulberry32), only exact arithmetic (+ - * / floor, no Math.pow/exp/log whose last bits
//     may differ between engines), all money in integer cents, all times as UTC epoch
//     milliseconds formatted with toISOString().
//   - Every table gets its own PRNG stream, so tuning one generator does not reshuffle the
//     rows of the tables generated after it.
//   - Every date lies in 2024-01-01 .. 2025-06-30. The story that makes this plausible:
//     Trailhead Outfitters launched in January 2024 (online shop first, stores opened one by
//     one), so the whole history fits the window and order volume grows over time.
//   - Rows are mutually consistent: orders only use customers that had signed up and stores
//     that were open at order time, items only use products stocked by the order's store,
//     total_amount is the sum of the rounded line totals, payments match order status, etc.

const SEED = 0x7a11_ead5;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WINDOW_START = Date.UTC(2024, 0, 1);
const WINDOW_END = Date.UTC(2025, 5, 30, 23, 59, 59);
const INSERT_BATCH_SIZE = 500;

// ---------------------------------------------------------------------------------------------
// SQL literals

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A value that can be rendered as a SQL literal. Dates/timestamps are pre-formatted strings. */
export type SqlValue =
  | null
  | boolean
  | number
  | string
  | { readonly kind: 'jsonb'; readonly value: JsonValue }
  | { readonly kind: 'textArray'; readonly value: readonly string[] };

export const jsonb = (value: JsonValue): SqlValue => ({ kind: 'jsonb', value });
export const textArray = (value: readonly string[]): SqlValue => ({ kind: 'textArray', value });

function quoteString(value: string): string {
  if (value.includes('\0')) throw new Error('PostgreSQL text cannot contain NUL characters');
  // standard_conforming_strings is on in every supported server, so doubling quotes suffices.
  return `'${value.replaceAll("'", "''")}'`;
}

/** Renders one value as a PostgreSQL literal usable inside INSERT ... VALUES. */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`Cannot render non-finite number ${value}`);
      return String(value);
    case 'string':
      return quoteString(value);
    default:
      if (value.kind === 'jsonb') return `${quoteString(JSON.stringify(value.value))}::jsonb`;
      if (value.value.length === 0) return `'{}'::text[]`;
      return `ARRAY[${value.value.map(quoteString).join(', ')}]::text[]`;
  }
}

interface TableRows {
  /** Schema-qualified, already quoted where needed. */
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
}

function insertStatements({ table, columns, rows }: TableRows): string {
  const statements: string[] = [];
  for (let start = 0; start < rows.length; start += INSERT_BATCH_SIZE) {
    const values = rows.slice(start, start + INSERT_BATCH_SIZE).map((row) => {
      if (row.length !== columns.length) {
        throw new Error(`${table}: row has ${row.length} values for ${columns.length} columns`);
      }
      return `(${row.map(sqlLiteral).join(', ')})`;
    });
    statements.push(`INSERT INTO ${table} (${columns.join(', ')}) VALUES\n${values.join(',\n')};\n`);
  }
  return statements.join('');
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return at(items, Math.floor(this.next() * items.length));
  }

  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    return at(items, this.weightedIndex(weights));
  }

  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= at(weights, i);
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** n distinct items, uniformly (partial Fisher-Yates on a copy). */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    const count = Math.min(n, copy.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const tmp = at(copy, i);
      copy[i] = at(copy, j);
      copy[j] = tmp;
    }
    return copy.slice(0, count);
  }
}

/** Independent stream per table: FNV-1a of the label mixed into the global seed. */
function rngFor(label: string): Rng {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  return new Rng((SEED ^ hash) >>> 0);
}

/** Index access that fails loudly instead of yielding undefined. */
function at<T>(items: readonly T[], index: number): T {
  if (index < 0 || index >= items.length) throw new Error(`Index ${index} out of range`);
  return items[index] as T;
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isoTimestamp = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00`;
const day = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d);
const wholeSeconds = (ms: number): number => Math.floor(ms / 1000) * 1000;
/** Cents to a numeric value; cents / 100 always prints with at most two decimals. */
const money = (cents: number): number => cents / 100;
const clampToWindow = (ms: number): number => Math.min(Math.max(ms, WINDOW_START), WINDOW_END);

/**
 * A whole-second time between from + minOffset and from + maxOffset, squeezed into the data
 * window (instead of clamping, which would pile rows up on the window's last second).
 */
function timeAfter(rng: Rng, from: number, minOffset: number, maxOffset: number): number {
  const span = Math.max(0, Math.min(maxOffset, WINDOW_END - from));
  const offset = Math.min(minOffset, span);
  return wholeSeconds(from + offset + rng.next() * (span - offset));
}

/** Ascii e-mail local part from a display name ("Zoë O'Brien" -> "zoe.obrien"). */
function emailPart(name: string): string {
  const folded: Record<string, string> = { á: 'a', é: 'e', è: 'e', ë: 'e', í: 'i', ï: 'i', ñ: 'n', ó: 'o', ö: 'o', ú: 'u', ü: 'u' };
  return [...name.toLowerCase()]
    .map((c) => folded[c] ?? c)
    .join('')
    .replace(/[^a-z]/g, '');
}

// ---------------------------------------------------------------------------------------------
// Word lists (a few accented / apostrophe names on purpose: they exercise escaping and UTF-8)

const FIRST_NAMES = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Elijah',
  'Sophia',
  'James',
  'Isabella',
  'Lucas',
  'Mia',
  'Mason',
  'Amelia',
  'Ethan',
  'Harper',
  'Logan',
  'Evelyn',
  'Aiden',
  'Abigail',
  'Jackson',
  'Emily',
  'Sebastian',
  'Ella',
  'Mateo',
  'Scarlett',
  'Henry',
  'Grace',
  'Owen',
  'Chloe',
  'Wyatt',
  'Hannah',
  'Caleb',
  'Nora',
  'Ryan',
  'Lily',
  'Nathan',
  'Zoë',
  'Isaac',
  'Renée',
  'José',
  'Maya',
  'Daniel',
  'Aria',
  'Samuel',
  'Leah',
  'Julian',
  'Hazel',
  'Levi',
  'Aurora',
  'Ezra',
];
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Thompson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Scott',
  'Green',
  'Baker',
  'Adams',
  'Nelson',
  'Hill',
  'Campbell',
  'Mitchell',
  'Carter',
  "O'Brien",
  'Nguyen',
  'Patel',
  'Kim',
  'Chen',
  'Murphy',
  'Rivera',
  'Cooper',
  'Reed',
  'Núñez',
];
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];
const COLORS = ['red', 'blue', 'green', 'black', 'orange', 'gray', 'olive', 'navy', 'yellow', 'purple'];
const PRODUCT_BRANDS = [
  'Summit',
  'Ridge',
  'Alpine',
  'Cascade',
  'Canyon',
  'Timberline',
  'Basecamp',
  'Switchback',
  'Granite',
  'Aspen',
  'Sierra',
  'Talus',
  'Cirrus',
  'Juniper',
  'Backcountry',
  'Tundra',
  'Redwood',
  'Glacier',
  'Mesa',
  'Highline',
];
const PRODUCT_MODELS = ['Pro', 'Lite', 'Trail', 'UL', 'Explorer', 'Venture', 'Trek', 'Peak', 'Classic', 'Storm', 'Ascent', 'Flow'];
const EXTRA_TAGS = ['ultralight', 'bestseller', 'eco', 'new', 'sale', 'winter', 'summer', 'kids', "editor's pick"];

// ---------------------------------------------------------------------------------------------
// Entities (only what later generators need to stay consistent)

interface Region {
  id: number;
  code: string;
  name: string;
}
interface Store {
  id: number;
  regionId: number | null;
  name: string;
  city: string | null;
  openedOn: number;
  isOnline: boolean;
  deletedAt: number | null;
}
interface Category {
  id: number;
  parentId: number | null;
  name: string;
}
interface Product {
  id: number;
  sku: string;
  name: string;
  categoryId: number | null;
  listPriceCents: number;
  unitCostCents: number | null;
  weightGrams: number | null;
  attributes: JsonValue | null;
  tags: readonly string[] | null;
  launchedOn: number;
  isDiscontinued: boolean;
  deletedAt: number | null;
  popularity: number;
}
interface Customer {
  id: number;
  email: string;
  fullName: string;
  regionId: number | null;
  loyaltyTier: string;
  marketingOptIn: boolean;
  preferences: JsonValue | null;
  signedUpAt: number;
  deletedAt: number | null;
  activity: number;
}
interface InventoryRow {
  storeId: number;
  productId: number;
  quantity: number;
  reorderLevel: number;
  updatedAt: number;
}
type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'refunded';
interface OrderItem {
  lineNo: number;
  productId: number;
  quantity: number;
  unitPriceCents: number;
  discountPct: number;
}
interface Order {
  id: number;
  orderNumber: string;
  customerId: number;
  storeId: number;
  status: OrderStatus;
  channel: 'web' | 'store' | 'phone';
  orderedAt: number;
  shippedAt: number | null;
  totalCents: number;
  discountCode: string | null;
  items: OrderItem[];
}
interface Payment {
  orderId: number;
  method: string;
  amountCents: number;
  paidAt: number;
  isRefund: boolean;
}

// ---------------------------------------------------------------------------------------------
// Reference data

const REGIONS: readonly Region[] = [
  { id: 1, code: 'NE', name: 'Northeast' },
  { id: 2, code: 'SE', name: 'Southeast' },
  { id: 3, code: 'MW', name: 'Midwest' },
  { id: 4, code: 'SW', name: 'Southwest' },
  { id: 5, code: 'MT', name: 'Mountain' },
  { id: 6, code: 'PN', name: 'Pacific Northwest' },
];

// Store 1 is the online shop (no region, no city). Two stores closed and are soft-deleted.
const STORES: readonly Store[] = [
  { id: 1, regionId: null, name: 'Trailhead Online', city: null, openedOn: day(2024, 1, 1), isOnline: true, deletedAt: null },
  { id: 2, regionId: 5, name: 'Trailhead Boulder', city: 'Boulder', openedOn: day(2024, 1, 6), isOnline: false, deletedAt: null },
  { id: 3, regionId: 6, name: 'Trailhead Seattle', city: 'Seattle', openedOn: day(2024, 2, 3), isOnline: false, deletedAt: null },
  { id: 4, regionId: 1, name: 'Trailhead Burlington', city: 'Burlington', openedOn: day(2024, 3, 2), isOnline: false, deletedAt: null },
  { id: 5, regionId: 6, name: 'Trailhead Bend', city: 'Bend', openedOn: day(2024, 3, 16), isOnline: false, deletedAt: null },
  { id: 6, regionId: 4, name: 'Trailhead Flagstaff', city: 'Flagstaff', openedOn: day(2024, 4, 6), isOnline: false, deletedAt: null },
  { id: 7, regionId: 2, name: 'Trailhead Asheville', city: 'Asheville', openedOn: day(2024, 4, 20), isOnline: false, deletedAt: null },
  { id: 8, regionId: 3, name: 'Trailhead Minneapolis', city: 'Minneapolis', openedOn: day(2024, 5, 4), isOnline: false, deletedAt: null },
  { id: 9, regionId: 5, name: 'Trailhead Bozeman', city: 'Bozeman', openedOn: day(2024, 5, 18), isOnline: false, deletedAt: null },
  { id: 10, regionId: 3, name: 'Trailhead Madison', city: 'Madison', openedOn: day(2024, 6, 1), isOnline: false, deletedAt: Date.UTC(2025, 1, 28, 23, 0, 0) },
  { id: 11, regionId: 4, name: 'Trailhead Santa Fe', city: 'Santa Fe', openedOn: day(2024, 8, 10), isOnline: false, deletedAt: null },
  { id: 12, regionId: 1, name: 'Trailhead Portland', city: 'Portland', openedOn: day(2024, 9, 7), isOnline: false, deletedAt: null },
  {
    id: 13,
    regionId: 2,
    name: 'Trailhead Chattanooga',
    city: 'Chattanooga',
    openedOn: day(2024, 10, 5),
    isOnline: false,
    deletedAt: Date.UTC(2025, 3, 15, 22, 0, 0),
  },
  { id: 14, regionId: 5, name: 'Trailhead Salt Lake City', city: 'Salt Lake City', openedOn: day(2025, 3, 1), isOnline: false, deletedAt: null },
];
const ONLINE_STORE_ID = 1;

const CATEGORIES: readonly Category[] = [
  { id: 1, parentId: null, name: 'Camping' },
  { id: 2, parentId: null, name: 'Hiking' },
  { id: 3, parentId: null, name: 'Climbing' },
  { id: 4, parentId: null, name: 'Apparel' },
  { id: 5, parentId: 1, name: 'Tents' },
  { id: 6, parentId: 1, name: 'Sleeping Bags' },
  { id: 7, parentId: 1, name: 'Camp Kitchen' },
  { id: 8, parentId: 2, name: 'Backpacks' },
  { id: 9, parentId: 2, name: 'Footwear' },
  { id: 10, parentId: 3, name: 'Ropes & Harnesses' },
  { id: 11, parentId: 4, name: 'Jackets' },
  { id: 12, parentId: 4, name: 'Base Layers' },
];

interface ProductGroup {
  categoryId: number;
  skuCode: string;
  share: number;
  nouns: readonly string[];
  priceDollars: readonly [number, number];
  weightGrams: readonly [number, number];
  tag: string;
  attributes: (rng: Rng) => { [key: string]: JsonValue };
}

const APPAREL_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];

// Leaf categories carry most products; the top-level ones hold a few accessories.
const PRODUCT_GROUPS: readonly ProductGroup[] = [
  {
    categoryId: 5,
    skuCode: 'TEN',
    share: 17,
    tag: 'camping',
    priceDollars: [149, 899],
    weightGrams: [900, 6500],
    nouns: ['2P Backpacking Tent', 'Dome Tent', '4P Family Tent', 'Bivy Shelter', 'Tarp Shelter', '1P Trekking Pole Tent'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      material: rng.pick(['ripstop nylon', 'polyester', 'silnylon']),
      waterproof: true,
      capacity_persons: rng.int(1, 6),
      season: rng.pick(['3-season', '4-season']),
      packed_dimensions_cm: { length: rng.int(35, 70), diameter: rng.int(12, 25) },
    }),
  },
  {
    categoryId: 6,
    skuCode: 'SLP',
    share: 15,
    tag: 'camping',
    priceDollars: [79, 549],
    weightGrams: [600, 2200],
    nouns: ['Mummy Sleeping Bag', 'Down Quilt', 'Rectangular Sleeping Bag', 'Sleeping Pad', 'Inflatable Pillow'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      fill: rng.pick(['down', 'synthetic']),
      temp_rating_c: rng.int(-18, 10),
      waterproof: rng.chance(0.3),
      shape: rng.pick(['mummy', 'rectangular', 'quilt']),
    }),
  },
  {
    categoryId: 7,
    skuCode: 'KIT',
    share: 14,
    tag: 'camping',
    priceDollars: [12, 189],
    weightGrams: [80, 1400],
    nouns: ['Canister Stove', 'Cook Pot', 'Spork Set', 'Insulated Mug', 'Water Filter', 'Camp Kettle'],
    attributes: (rng) => ({
      material: rng.pick(['titanium', 'aluminum', 'stainless steel']),
      capacity_ml: rng.pick([350, 450, 750, 1000, 1600]),
      fuel: rng.chance(0.4) ? rng.pick(['isobutane', 'white gas']) : null,
    }),
  },
  {
    categoryId: 8,
    skuCode: 'BPK',
    share: 16,
    tag: 'hiking',
    priceDollars: [39, 349],
    weightGrams: [350, 2400],
    nouns: ['Daypack', 'Backpacking Pack', 'Hydration Pack', 'Trail Running Vest', 'Hip Pack'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      material: rng.pick(['ripstop nylon', 'Dyneema', 'polyester']),
      capacity_l: rng.int(5, 75),
      waterproof: rng.chance(0.35),
    }),
  },
  {
    categoryId: 9,
    skuCode: 'FTW',
    share: 15,
    tag: 'hiking',
    priceDollars: [89, 259],
    weightGrams: [450, 1500],
    nouns: ['Hiking Boot', 'Trail Runner', 'Approach Shoe', 'Mountaineering Boot', 'Camp Sandal'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      material: rng.pick(['leather', 'synthetic mesh', 'suede']),
      waterproof: rng.chance(0.5),
      sizes_eu: [38, 39, 40, 41, 42, 43, 44, 45, 46].slice(0, rng.int(5, 9)),
      drop_mm: rng.pick([0, 4, 6, 8, 10]),
    }),
  },
  {
    categoryId: 10,
    skuCode: 'RPH',
    share: 10,
    tag: 'climbing',
    priceDollars: [29, 329],
    weightGrams: [300, 4200],
    nouns: ['Dynamic Rope', 'Sport Harness', 'Belay Device', 'Quickdraw Set', 'Climbing Helmet'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      length_m: rng.pick([30, 40, 60, 70, 80]),
      diameter_mm: rng.pick([8.9, 9.2, 9.5, 9.8, 10.2]),
      dry_treated: rng.chance(0.5),
    }),
  },
  {
    categoryId: 11,
    skuCode: 'JKT',
    share: 18,
    tag: 'apparel',
    priceDollars: [59, 599],
    weightGrams: [180, 1200],
    nouns: ['Rain Jacket', 'Down Jacket', 'Softshell Jacket', 'Fleece Jacket', 'Wind Shell', 'Insulated Parka'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      material: rng.pick(['nylon', 'polyester', 'Gore-Tex', 'recycled polyester']),
      waterproof: rng.chance(0.55),
      insulated: rng.chance(0.4),
      sizes: APPAREL_SIZES.slice(rng.int(0, 1), rng.int(4, 6)),
    }),
  },
  {
    categoryId: 12,
    skuCode: 'BSL',
    share: 14,
    tag: 'apparel',
    priceDollars: [19, 129],
    weightGrams: [90, 400],
    nouns: ['Merino Crew', 'Base Layer Bottom', 'Hiking Sock 3-Pack', 'Sun Hoodie', 'Thermal Top'],
    attributes: (rng) => ({
      color: rng.pick(COLORS),
      material: rng.pick(['merino wool', 'polyester', 'bamboo']),
      sizes: APPAREL_SIZES.slice(rng.int(0, 1), rng.int(4, 6)),
    }),
  },
  {
    categoryId: 1,
    skuCode: 'CMP',
    share: 5,
    tag: 'camping',
    priceDollars: [6, 79],
    weightGrams: [40, 900],
    nouns: ['Headlamp', 'Camp Lantern', 'Camp Chair', 'Repair Kit'],
    attributes: (rng) => ({ color: rng.pick(COLORS), lumens: rng.pick([100, 200, 350, 500, 800]) }),
  },
  {
    categoryId: 2,
    skuCode: 'HIK',
    share: 4,
    tag: 'hiking',
    priceDollars: [9, 189],
    weightGrams: [60, 700],
    nouns: ['Trekking Poles', 'Trail Map Case', 'First Aid Kit', 'Gaiters'],
    attributes: (rng) => ({ material: rng.pick(['aluminum', 'carbon', 'nylon']), waterproof: rng.chance(0.4) }),
  },
  {
    categoryId: 3,
    skuCode: 'CLB',
    share: 3,
    tag: 'climbing',
    priceDollars: [8, 99],
    weightGrams: [40, 600],
    nouns: ['Chalk Bag', 'Locking Carabiner', 'Climbing Brush'],
    attributes: (rng) => ({ color: rng.pick(COLORS), material: rng.pick(['aluminum', 'cotton', 'nylon']) }),
  },
];

const DEPARTMENTS = [
  { id: 1, name: 'Executive', costCenter: 'CC-100' },
  { id: 2, name: 'Store Operations', costCenter: 'CC-200' },
  { id: 3, name: 'Logistics', costCenter: 'CC-300' },
  { id: 4, name: 'Marketing', costCenter: 'CC-400' },
  { id: 5, name: 'Finance', costCenter: 'CC-500' },
  { id: 6, name: 'People & Culture', costCenter: null },
] as const;

// ---------------------------------------------------------------------------------------------
// Generators

function generateProducts(): Product[] {
  const rng = rngFor('products');
  const products: Product[] = [];
  const usedNames = new Set<string>();
  const skuCounters = new Map<string, number>();
  const groupShares = PRODUCT_GROUPS.map((g) => g.share);
  const productCount = 150;
  // Exactly four soft-deleted products: few enough to be realistic, enough to matter in queries.
  const allIds = Array.from({ length: productCount }, (_, i) => i + 1);
  const deletedIds = new Set(rng.sample(allIds, 4));

  for (let id = 1; id <= productCount; id++) {
    const group = rng.weighted(PRODUCT_GROUPS, groupShares);
    let name: string;
    do {
      name = `${rng.pick(PRODUCT_BRANDS)} ${rng.pick(PRODUCT_MODELS)} ${rng.pick(group.nouns)}`;
    } while (usedNames.has(name));
    usedNames.add(name);

    const skuNumber = (skuCounters.get(group.skuCode) ?? 0) + 1;
    skuCounters.set(group.skuCode, skuNumber);

    // Retail-looking prices (149.95, 149.99 or 150.00), skewed towards the cheap end (u * u).
    const [minDollars, maxDollars] = group.priceDollars;
    const u = rng.next();
    const dollars = minDollars + Math.floor(u * u * (maxDollars - minDollars + 1));
    const ending = rng.pick([95, 99, 0]);
    const listPriceCents = ending === 0 ? dollars * 100 : (dollars - 1) * 100 + ending;

    const launchedOn = rng.chance(0.7) ? WINDOW_START : WINDOW_START + rng.int(15, 500) * DAY_MS;
    const deleted = deletedIds.has(id);
    const isDiscontinued = deleted || rng.chance(0.07);
    // Deleted products disappear in 2025, at least 60 days after launch.
    const deletedAt = deleted ? wholeSeconds(Math.max(launchedOn + 60 * DAY_MS, day(2025, 1, 1) + rng.next() * 170 * DAY_MS)) : null;

    let tags: string[] | null = [group.tag, ...rng.sample(EXTRA_TAGS, rng.int(0, 2))];
    if (rng.chance(0.05)) tags = [];
    else if (rng.chance(0.03)) tags = null;

    products.push({
      id,
      sku: `TH-${group.skuCode}-${String(skuNumber).padStart(4, '0')}`,
      name,
      categoryId: rng.chance(0.015) ? null : group.categoryId,
      listPriceCents,
      unitCostCents: rng.chance(0.06) ? null : Math.floor((listPriceCents * rng.int(42, 60)) / 100),
      weightGrams: rng.chance(0.04) ? null : rng.int(group.weightGrams[0], group.weightGrams[1]),
      attributes: rng.chance(0.05) ? null : group.attributes(rng),
      tags,
      launchedOn,
      isDiscontinued,
      deletedAt: deletedAt === null ? null : Math.min(deletedAt, WINDOW_END),
      popularity: 0.2 + rng.next() * 1.8,
    });
  }
  return products;
}

function generateCustomers(): Customer[] {
  const rng = rngFor('customers');
  const tiers = ['bronze', 'silver', 'gold', 'platinum'];
  const tierActivity: Record<string, number> = { bronze: 1, silver: 2, gold: 3.5, platinum: 5 };
  const windowLength = WINDOW_END - WINDOW_START;

  // Sign-up times first, sorted, so customer ids increase with sign-up time.
  // u * u skews sign-ups towards the start of the window (the launch campaign).
  const signUps: number[] = [];
  for (let i = 0; i < 400; i++) {
    const u = rng.next();
    signUps.push(wholeSeconds(WINDOW_START + u * u * windowLength));
  }
  signUps.sort((a, b) => a - b);
  signUps[0] = WINDOW_START; // someone must exist for the very first orders

  return signUps.map((signedUpAt, index) => {
    const id = index + 1;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const loyaltyTier = rng.weighted(tiers, [55, 25, 14, 6]);
    let preferences: JsonValue | null = null;
    if (rng.chance(0.05)) preferences = {};
    else if (rng.chance(0.7)) {
      preferences = {
        newsletter: rng.pick(['weekly', 'monthly', 'none']),
        activities: rng.sample(['hiking', 'camping', 'climbing', 'trail running', 'skiing', 'paddling'], rng.int(1, 3)),
        units: rng.pick(['imperial', 'imperial', 'metric']),
      };
    }
    const deletedAt = id > 1 && rng.chance(0.05) ? wholeSeconds(signedUpAt + (0.3 + rng.next() * 0.7) * (WINDOW_END - signedUpAt)) : null;
    return {
      id,
      email: `${emailPart(first)}.${emailPart(last)}${id}@${rng.pick(EMAIL_DOMAINS)}`,
      fullName: `${first} ${last}`,
      regionId: rng.chance(0.03) ? null : rng.weighted([1, 2, 3, 4, 5, 6], [14, 12, 15, 14, 25, 20]),
      loyaltyTier,
      marketingOptIn: rng.chance(0.45),
      preferences,
      signedUpAt,
      deletedAt,
      activity: (tierActivity[loyaltyTier] ?? 1) * (0.3 + rng.next() * 1.4),
    };
  });
}

function generateInventory(products: readonly Product[]): InventoryRow[] {
  const rng = rngFor('inventory');
  const rows: InventoryRow[] = [];
  for (const store of STORES) {
    const stocked = rng.sample(products, store.isOnline ? 110 : rng.int(40, 55)).sort((a, b) => a.id - b.id);
    for (const product of stocked) {
      // Closed stores keep their (empty) inventory rows for history.
      const closed = store.deletedAt !== null;
      rows.push({
        storeId: store.id,
        productId: product.id,
        quantity: closed || rng.chance(0.08) ? 0 : rng.int(1, 120),
        reorderLevel: rng.weighted([10, 5, 20, 25], [70, 10, 12, 8]),
        updatedAt: closed ? (store.deletedAt ?? WINDOW_END) : wholeSeconds(WINDOW_END - rng.next() * 30 * DAY_MS),
      });
    }
  }
  return rows;
}

const SEASONALITY = [0.6, 0.6, 0.85, 1.0, 1.25, 1.4, 1.35, 1.15, 0.9, 0.8, 1.1, 1.3]; // Jan..Dec
const DISCOUNT_CODES = [
  { code: 'WELCOME5', pct: 5, months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
  { code: 'SPRING10', pct: 10, months: [3, 4, 5] },
  { code: 'SUMMIT15', pct: 15, months: [6, 7, 8, 9] },
  { code: 'HOLIDAY20', pct: 20, months: [11, 12] },
];

/** Line total in cents: round(quantity * unit_price * (1 - discount_pct / 100), 2), half up, in integers. */
function lineTotalCents(item: OrderItem): number {
  return Math.floor((item.quantity * item.unitPriceCents * (100 - item.discountPct) + 50) / 100);
}

function generateOrderTimes(rng: Rng, count: number): number[] {
  const months: { year: number; month: number; weight: number }[] = [];
  for (let i = 0; i < 18; i++) {
    const month = (i % 12) + 1;
    // Seasonality times growth: more stores and customers as the company grows.
    months.push({ year: 2024 + Math.floor(i / 12), month, weight: at(SEASONALITY, month - 1) * (0.6 + i * 0.06) });
  }
  const weights = months.map((m) => m.weight);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const { year, month } = rng.weighted(months, weights);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    times.push(Date.UTC(year, month - 1, rng.int(1, daysInMonth), rng.int(7, 22), rng.int(0, 59), rng.int(0, 59)));
  }
  return times.sort((a, b) => a - b);
}

function generateOrders(
  customers: readonly Customer[],
  products: readonly Product[],
  inventory: readonly InventoryRow[],
): { orders: Order[]; payments: Payment[] } {
  const rng = rngFor('orders');
  const productById = new Map(products.map((p) => [p.id, p]));
  const stockedByStore = new Map<number, Product[]>();
  for (const row of inventory) {
    const list = stockedByStore.get(row.storeId) ?? [];
    list.push(productById.get(row.productId) as Product);
    stockedByStore.set(row.storeId, list);
  }
  const isOpen = (store: Store, t: number): boolean => store.openedOn <= t && (store.deletedAt === null || store.deletedAt > t);

  const orders: Order[] = [];
  const payments: Payment[] = [];

  for (const [index, orderedAt] of generateOrderTimes(rng, 1500).entries()) {
    const id = index + 1;
    const date = new Date(orderedAt);
    const month = date.getUTCMonth() + 1;

    const eligibleCustomers = customers.filter((c) => c.signedUpAt <= orderedAt && (c.deletedAt === null || c.deletedAt > orderedAt));
    const customer = rng.weighted(
      eligibleCustomers,
      eligibleCustomers.map((c) => c.activity),
    );

    const openPhysical = STORES.filter((s) => !s.isOnline && isOpen(s, orderedAt));
    let channel = rng.weighted(['web', 'store', 'phone'] as const, [55, 38, 7]);
    if (channel === 'store' && openPhysical.length === 0) channel = 'web';
    let store: Store;
    if (channel === 'store') {
      const local = openPhysical.filter((s) => s.regionId === customer.regionId);
      store = rng.pick(local.length > 0 && rng.chance(0.7) ? local : openPhysical);
    } else {
      // Most remote orders ship from the warehouse of the online shop, some ship from a store.
      store = openPhysical.length > 0 && rng.chance(0.2) ? rng.pick(openPhysical) : at(STORES, ONLINE_STORE_ID - 1);
    }

    const candidates = (stockedByStore.get(store.id) ?? []).filter((p) => p.launchedOn <= orderedAt && (p.deletedAt === null || p.deletedAt > orderedAt));
    const lineCount = Math.min(rng.weighted([1, 2, 3, 4, 5], [30, 30, 22, 12, 6]), candidates.length);
    const discount = rng.chance(0.15) ? rng.pick(DISCOUNT_CODES.filter((d) => d.months.includes(month))) : null;

    const items: OrderItem[] = [];
    const pool = [...candidates];
    for (let lineNo = 1; lineNo <= lineCount; lineNo++) {
      const product = pool.splice(rng.weightedIndex(pool.map((p) => p.popularity)), 1)[0] as Product;
      items.push({
        lineNo,
        productId: product.id,
        quantity: rng.weighted([1, 2, 3, 4], [72, 19, 6, 3]),
        unitPriceCents: product.listPriceCents,
        // Discontinued products are on clearance; a discount code applies if it is better.
        discountPct: Math.max(discount?.pct ?? 0, product.isDiscontinued ? 30 : 0),
      });
    }
    const totalCents = items.reduce((sum, item) => sum + lineTotalCents(item), 0);

    // Status follows the order's age relative to the end of the data window.
    const ageDays = (WINDOW_END - orderedAt) / DAY_MS;
    let status: OrderStatus;
    let shippedAt: number | null = null;
    const roll = rng.next();
    if (channel === 'store') {
      status = roll < 0.03 ? 'refunded' : 'delivered';
    } else {
      const shipDelay = rng.int(6, 96) * HOUR_MS + rng.int(0, 3599) * 1000;
      if (roll < 0.04) status = 'cancelled';
      else if (roll < 0.05)
        status = 'pending'; // abandoned: awaiting a bank transfer that never came
      else if (roll < 0.08 && ageDays > 14) status = 'refunded';
      else if (ageDays > 14) status = 'delivered';
      else if (ageDays > 5) status = rng.chance(0.6) ? 'delivered' : 'shipped';
      else if (ageDays > 2) status = rng.chance(0.6) ? 'shipped' : 'paid';
      else status = rng.chance(0.5) ? 'pending' : 'paid';
      if (status === 'shipped' || status === 'delivered' || status === 'refunded') {
        shippedAt = orderedAt + shipDelay;
        if (shippedAt > WINDOW_END) {
          status = 'paid';
          shippedAt = null;
        }
      }
    }

    if (status !== 'pending' && status !== 'cancelled') {
      const method =
        channel === 'store' ? rng.weighted(['card', 'gift_card'], [85, 15]) : rng.weighted(['card', 'paypal', 'gift_card', 'bank_transfer'], [65, 20, 8, 7]);
      const paidAt = Math.min(orderedAt + rng.int(0, 1800) * 1000, shippedAt ?? WINDOW_END, WINDOW_END);
      payments.push({ orderId: id, method, amountCents: totalCents, paidAt, isRefund: false });
      if (status === 'refunded') {
        const refundAt = timeAfter(rng, shippedAt ?? orderedAt, 5 * DAY_MS, 20 * DAY_MS);
        payments.push({ orderId: id, method, amountCents: totalCents, paidAt: refundAt, isRefund: true });
      }
    }

    orders.push({
      id,
      orderNumber: `TH-${String(date.getUTCFullYear()).slice(2)}${String(month).padStart(2, '0')}-${String(id).padStart(5, '0')}`,
      customerId: customer.id,
      storeId: store.id,
      status,
      channel,
      orderedAt,
      shippedAt,
      totalCents,
      discountCode: discount?.code ?? null,
      items,
    });
  }

  // Payment ids follow payment time (refunds happen days after the order); ties keep order.
  payments.sort((a, b) => a.paidAt - b.paidAt || a.orderId - b.orderId || Number(a.isRefund) - Number(b.isRefund));
  return { orders, payments };
}

interface Feedback {
  customerId: number | null;
  orderId: number | null;
  nps: number | null;
  comment: string | null;
  submittedAt: number;
}

function generateFeedback(customers: readonly Customer[], orders: readonly Order[], products: readonly Product[]): Feedback[] {
  const rng = rngFor('feedback');
  const productName = new Map(products.map((p) => [p.id, p.name]));
  const storeName = new Map(STORES.map((s) => [s.id, s.city ?? 'online']));
  const promoterComments = [
    'Great {product}, exactly as described.',
    'Staff at the {store} store were super helpful.',
    'Fast shipping, will order again!',
    "Love my new {product} — it's been on three trips already.",
  ];
  const passiveComments = ['Good quality but a bit pricey.', 'Decent {product}, nothing special.', 'OK overall; checkout was slow.'];
  const detractorComments = [
    'Delivery took longer than expected.',
    "The {product} wasn't what I expected and the return took weeks.",
    'Item arrived damaged.',
    'Customer service never answered my e-mail.',
  ];
  const npsWeights = [1, 1, 1, 2, 2, 3, 4, 8, 14, 18, 16];

  const makeAnswer = (order: Order | null): Pick<Feedback, 'nps' | 'comment'> => {
    const refunded = order?.status === 'refunded';
    const nps = refunded ? rng.int(0, 5) : rng.weightedIndex(npsWeights);
    let comment: string | null = null;
    if (rng.chance(0.55)) {
      const templates = nps >= 9 ? promoterComments : nps >= 7 ? passiveComments : detractorComments;
      const firstItem = order?.items[0];
      comment = rng
        .pick(templates)
        .replace('{product}', firstItem ? (productName.get(firstItem.productId) ?? 'gear') : 'gear')
        .replace('{store}', order ? (storeName.get(order.storeId) ?? 'local') : 'local');
    }
    return { nps: rng.chance(0.08) ? null : nps, comment };
  };

  const feedback: Feedback[] = [];
  const reviewable = orders.filter((o) => o.status === 'delivered' || o.status === 'refunded');
  for (const order of rng.sample(reviewable, 255)) {
    const base = order.shippedAt ?? order.orderedAt;
    feedback.push({
      customerId: order.customerId,
      orderId: order.id,
      ...makeAnswer(order),
      submittedAt: timeAfter(rng, base, DAY_MS, 14 * DAY_MS),
    });
  }
  for (const customer of rng.sample(customers, 36)) {
    const until = customer.deletedAt ?? WINDOW_END;
    feedback.push({
      customerId: customer.id,
      orderId: null,
      ...makeAnswer(null),
      submittedAt: wholeSeconds(customer.signedUpAt + rng.next() * (until - customer.signedUpAt)),
    });
  }
  for (let i = 0; i < 9; i++) {
    // Anonymous kiosk answers.
    feedback.push({ customerId: null, orderId: null, ...makeAnswer(null), submittedAt: wholeSeconds(WINDOW_START + rng.next() * (WINDOW_END - WINDOW_START)) });
  }
  return feedback.sort((a, b) => a.submittedAt - b.submittedAt || (a.orderId ?? 0) - (b.orderId ?? 0) || (a.customerId ?? 0) - (b.customerId ?? 0));
}

interface Employee {
  id: number;
  departmentId: number;
  storeId: number | null;
  managerId: number | null;
  firstName: string;
  lastName: string;
  jobTitle: string | null;
  hiredOn: number;
  salaryDollars: number | null;
  terminatedOn: number | null;
}

function generateEmployees(): Employee[] {
  const rng = rngFor('employees');
  const employees: Employee[] = [];
  const add = (e: Omit<Employee, 'id' | 'firstName' | 'lastName' | 'terminatedOn'>): Employee => {
    const employee: Employee = {
      ...e,
      id: employees.length + 1,
      firstName: rng.pick(FIRST_NAMES),
      lastName: rng.pick(LAST_NAMES),
      terminatedOn: null,
    };
    employees.push(employee);
    return employee;
  };
  // A hire date between `earliest` and `latest` (whole days).
  const laterHire = (earliest: number, latest = WINDOW_END - 10 * DAY_MS): number =>
    clampToWindow(earliest + rng.int(0, Math.floor((latest - earliest) / DAY_MS)) * DAY_MS);

  // Managers get lower ids than their reports: CEO, department heads, store managers, staff.
  const ceo = add({ departmentId: 1, storeId: null, managerId: null, jobTitle: 'Chief Executive Officer', hiredOn: WINDOW_START, salaryDollars: null });
  const headTitles: Record<number, string> = {
    2: 'VP Store Operations',
    3: 'Head of Logistics',
    4: 'Head of Marketing',
    5: 'Chief Financial Officer',
    6: 'Head of People & Culture',
  };
  const heads = new Map<number, Employee>();
  for (const department of DEPARTMENTS.slice(1)) {
    heads.set(
      department.id,
      add({
        departmentId: department.id,
        storeId: null,
        managerId: ceo.id,
        jobTitle: headTitles[department.id] ?? null,
        hiredOn: WINDOW_START + rng.int(0, 20) * DAY_MS,
        salaryDollars: department.id === 5 ? null : rng.int(1500, 2100) * 100,
      }),
    );
  }
  const headOf = (departmentId: number): number => (heads.get(departmentId) as Employee).id;

  const physicalStores = STORES.filter((s) => !s.isOnline);
  const storeManagers = new Map<number, Employee>();
  for (const store of physicalStores) {
    storeManagers.set(
      store.id,
      add({
        departmentId: 2,
        storeId: store.id,
        managerId: headOf(2),
        jobTitle: 'Store Manager',
        hiredOn: clampToWindow(store.openedOn - rng.int(14, 40) * DAY_MS),
        salaryDollars: rng.int(620, 780) * 100,
      }),
    );
  }
  for (const store of physicalStores) {
    const managerId = (storeManagers.get(store.id) as Employee).id;
    for (let i = rng.int(4, 6); i > 0; i--) {
      add({
        departmentId: 2,
        storeId: store.id,
        managerId,
        jobTitle: rng.weighted(['Sales Associate', 'Senior Sales Associate', 'Gear Technician', null], [60, 20, 15, 5]),
        hiredOn: rng.chance(0.3)
          ? laterHire(store.openedOn, (store.deletedAt ?? WINDOW_END) - 30 * DAY_MS)
          : clampToWindow(store.openedOn - rng.int(0, 14) * DAY_MS),
        salaryDollars: rng.chance(0.05) ? null : rng.int(340, 480) * 100,
      });
    }
  }
  // Head office and the online shop's warehouse fill up the rest.
  while (employees.length < 120) {
    const departmentId = rng.weighted([3, 4, 5, 6], [40, 25, 20, 15]);
    const warehouse = departmentId === 3 && rng.chance(0.6);
    const titles: Record<number, readonly string[]> = {
      3: warehouse ? ['Warehouse Associate', 'Shipping Coordinator'] : ['Logistics Planner', 'Buyer'],
      4: ['Marketing Specialist', 'Content Writer', 'E-commerce Manager'],
      5: ['Accountant', 'Financial Analyst', 'Payroll Specialist'],
      6: ['HR Generalist', 'Recruiter'],
    };
    add({
      departmentId,
      storeId: warehouse ? ONLINE_STORE_ID : null,
      managerId: headOf(departmentId),
      jobTitle: rng.chance(0.04) ? null : rng.pick(titles[departmentId] ?? []),
      hiredOn: laterHire(WINDOW_START),
      salaryDollars: rng.chance(0.05) ? null : rng.int(420, 950) * 100,
    });
  }

  // Staff of closed stores left when the store closed; a few others left on their own.
  for (const employee of employees) {
    const store = STORES.find((s) => s.id === employee.storeId);
    if (store?.deletedAt != null) {
      employee.terminatedOn = Date.UTC(
        new Date(store.deletedAt).getUTCFullYear(),
        new Date(store.deletedAt).getUTCMonth(),
        new Date(store.deletedAt).getUTCDate(),
      );
    } else if (employee.id > 6 && rng.chance(0.06)) {
      const earliest = employee.hiredOn + 30 * DAY_MS;
      if (earliest < WINDOW_END) employee.terminatedOn = earliest + rng.int(0, Math.floor((WINDOW_END - earliest) / DAY_MS)) * DAY_MS;
    }
  }
  return employees;
}

// ---------------------------------------------------------------------------------------------
// Assembly

export interface SampleData {
  /** INSERT statements plus sequence fix-ups. */
  readonly sql: string;
  /** Rows per table, keyed like SAMPLE_TABLES (schema.table, catalog spelling). */
  readonly rowCounts: Readonly<Record<string, number>>;
}

const quoteIdent = (name: string): string => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`);

const nullable = <T>(value: T | null, render: (v: T) => SqlValue): SqlValue => (value === null ? null : render(value));

export function generateSampleData(): SampleData {
  const products = generateProducts();
  const customers = generateCustomers();
  const inventory = generateInventory(products);
  const { orders, payments } = generateOrders(customers, products, inventory);
  const feedback = generateFeedback(customers, orders, products);
  const employees = generateEmployees();

  const tables: { key: string; rows: TableRows }[] = [
    {
      key: 'public.regions',
      rows: { table: 'public.regions', columns: ['id', 'code', 'name'], rows: REGIONS.map((r) => [r.id, r.code, r.name]) },
    },
    {
      key: 'public.stores',
      rows: {
        table: 'public.stores',
        columns: ['id', 'region_id', 'name', 'city', 'opened_on', 'is_online', 'deleted_at'],
        rows: STORES.map((s) => [s.id, s.regionId, s.name, s.city, isoDate(s.openedOn), s.isOnline, nullable(s.deletedAt, isoTimestamp)]),
      },
    },
    {
      key: 'public.product_categories',
      rows: { table: 'public.product_categories', columns: ['id', 'parent_id', 'name'], rows: CATEGORIES.map((c) => [c.id, c.parentId, c.name]) },
    },
    {
      key: 'public.products',
      rows: {
        table: 'public.products',
        columns: [
          'id',
          'sku',
          'name',
          'category_id',
          'list_price',
          'unit_cost',
          'weight_grams',
          'attributes',
          'tags',
          'launched_on',
          'is_discontinued',
          'deleted_at',
        ],
        rows: products.map((p) => [
          p.id,
          p.sku,
          p.name,
          p.categoryId,
          money(p.listPriceCents),
          nullable(p.unitCostCents, money),
          p.weightGrams,
          nullable(p.attributes, jsonb),
          nullable(p.tags, textArray),
          isoDate(p.launchedOn),
          p.isDiscontinued,
          nullable(p.deletedAt, isoTimestamp),
        ]),
      },
    },
    {
      key: 'public.customers',
      rows: {
        table: 'public.customers',
        columns: ['id', 'email', 'full_name', 'region_id', 'loyalty_tier', 'marketing_opt_in', 'preferences', 'signed_up_at', 'deleted_at'],
        rows: customers.map((c) => [
          c.id,
          c.email,
          c.fullName,
          c.regionId,
          c.loyaltyTier,
          c.marketingOptIn,
          nullable(c.preferences, jsonb),
          isoTimestamp(c.signedUpAt),
          nullable(c.deletedAt, isoTimestamp),
        ]),
      },
    },
    {
      key: 'public.inventory',
      rows: {
        table: 'public.inventory',
        columns: ['store_id', 'product_id', 'quantity_on_hand', 'reorder_level', 'updated_at'],
        rows: inventory.map((i) => [i.storeId, i.productId, i.quantity, i.reorderLevel, isoTimestamp(i.updatedAt)]),
      },
    },
    {
      key: 'public.orders',
      rows: {
        table: 'public.orders',
        columns: ['id', 'order_number', 'customer_id', 'store_id', 'status', 'channel', 'ordered_at', 'shipped_at', 'total_amount', 'discount_code'],
        rows: orders.map((o) => [
          o.id,
          o.orderNumber,
          o.customerId,
          o.storeId,
          o.status,
          o.channel,
          isoTimestamp(o.orderedAt),
          nullable(o.shippedAt, isoTimestamp),
          money(o.totalCents),
          o.discountCode,
        ]),
      },
    },
    {
      key: 'public.order_items',
      rows: {
        table: 'public.order_items',
        columns: ['order_id', 'line_no', 'product_id', 'store_id', 'quantity', 'unit_price', 'discount_pct'],
        rows: orders.flatMap((o) => o.items.map((i) => [o.id, i.lineNo, i.productId, o.storeId, i.quantity, money(i.unitPriceCents), i.discountPct])),
      },
    },
    {
      key: 'public.payments',
      rows: {
        table: 'public.payments',
        columns: ['id', 'order_id', 'method', 'amount', 'paid_at', 'is_refund'],
        rows: payments.map((p, index) => [index + 1, p.orderId, p.method, money(p.amountCents), isoTimestamp(p.paidAt), p.isRefund]),
      },
    },
    {
      key: 'public.CustomerFeedback',
      rows: {
        table: 'public."CustomerFeedback"',
        columns: ['"feedbackId"', 'customer_id', 'order_id', '"NPS_Score"', 'comment', 'submitted_at'],
        rows: feedback.map((f, index) => [index + 1, f.customerId, f.orderId, f.nps, f.comment, isoTimestamp(f.submittedAt)]),
      },
    },
    {
      key: 'hr.departments',
      rows: { table: 'hr.departments', columns: ['id', 'name', 'cost_center'], rows: DEPARTMENTS.map((d) => [d.id, d.name, d.costCenter]) },
    },
    {
      key: 'hr.employees',
      rows: {
        table: 'hr.employees',
        columns: ['id', 'department_id', 'store_id', 'manager_id', 'first_name', 'last_name', 'job_title', 'hired_on', 'salary', 'is_active', 'terminated_at'],
        rows: employees.map((e) => [
          e.id,
          e.departmentId,
          e.storeId,
          e.managerId,
          e.firstName,
          e.lastName,
          e.jobTitle,
          isoDate(e.hiredOn),
          e.salaryDollars,
          e.terminatedOn === null,
          nullable(e.terminatedOn, isoDate),
        ]),
      },
    },
  ];

  // Ids were inserted explicitly, so move every serial sequence past them. pg_get_serial_sequence
  // takes the table as SQL text (quotes needed) but the column name verbatim (case preserved).
  const serialColumns: readonly [string, string][] = [
    ['public.stores', 'id'],
    ['public.product_categories', 'id'],
    ['public.products', 'id'],
    ['public.customers', 'id'],
    ['public.orders', 'id'],
    ['public.payments', 'id'],
    ['public."CustomerFeedback"', 'feedbackId'],
    ['hr.employees', 'id'],
  ];
  const setvals = serialColumns
    .map(([table, column]) => `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), (SELECT max(${quoteIdent(column)}) FROM ${table}));\n`)
    .join('');

  const sql = [
    '\n-- Trailhead Outfitters: generated data (deterministic, see sample-data.ts).\n',
    ...tables.map((t) => insertStatements(t.rows)),
    setvals,
  ].join('\n');
  const rowCounts: Record<string, number> = {};
  for (const t of tables) rowCounts[t.key] = t.rows.rows.length;
  return { sql, rowCounts };
}

export function generateSampleDataSql(): string {
  return generateSampleData().sql;
}
