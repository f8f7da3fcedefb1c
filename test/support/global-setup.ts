// Minimal placeholder so vitest can start; the owning engineer will replace it.
export default async function setup(): Promise<void> {}
