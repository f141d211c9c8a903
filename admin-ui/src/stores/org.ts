// The org nodes visible to the user, loaded once and shared by the tree screen, filters and pickers.
import { defineStore } from 'pinia'
import { org as api } from '@/api/client'
import type { OrgNode } from '@/api/types'
import { buildTree, pathLabel } from '@/utils/tree'

export const useOrgStore = defineStore('org', {
  state: () => ({ nodes: [] as OrgNode[], loaded: false, loading: false }),
  getters: {
    byId: (s) => new Map(s.nodes.map((n) => [n.id, n])),
    tree: (s) => buildTree(s.nodes),
  },
  actions: {
    async load(force = false): Promise<void> {
      if ((this.loaded && !force) || this.loading) return
      this.loading = true
      try {
        this.nodes = (await api.nodes()).items ?? []
        this.loaded = true
      } finally {
        this.loading = false
      }
    },
    label(path: string | null | undefined): string {
      return pathLabel(path, this.byId)
    },
    clear(): void {
      this.nodes = []
      this.loaded = false
    },
  },
})
