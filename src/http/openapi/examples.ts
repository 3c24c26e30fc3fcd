// Values the document's examples share, so they read as one story (an orders topic).
export const EXAMPLE_VALUE = { order_id: 1042, customer: "c-77", total_cents: 4599, items: 3 };
