// A list fetched for one key at a time (a customer's holdings, events, consent, SMS), where only the newest
// request's answer counts: switching customers while an older answer is still on its way never shows the older
// customer's rows. A failed fetch empties the list and sets `failed`.
import { ref, type Ref } from 'vue'

export function latestList<T>(fetch: (key: string) => Promise<T[]>) {
  const items = ref([]) as Ref<T[]>
  const loading = ref(false)
  const failed = ref(false)
  let seq = 0
  async function load(key: string) {
    const mine = ++seq
    loading.value = true
    failed.value = false
    try {
      const found = await fetch(key)
      if (mine === seq) items.value = found
    } catch {
      if (mine === seq) {
        items.value = []
        failed.value = true
      }
    } finally {
      if (mine === seq) loading.value = false
    }
  }
  return { items, loading, failed, load }
}
