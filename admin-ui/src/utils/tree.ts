// The org tree from the flat list GET /org/nodes answers, and names along a materialised path.
import type { OrgNode } from '@/api/types'

export interface TreeNode {
  id: string
  label: string
  node: OrgNode
  children: TreeNode[]
  disabled?: boolean
}

/** Nests `nodes` by parent_id; a node whose parent is not visible (the caller's scope root) becomes a root. */
export function buildTree(nodes: OrgNode[]): TreeNode[] {
  const byId = new Map<string, TreeNode>()
  for (const n of nodes) byId.set(n.id, { id: n.id, label: n.name, node: n, children: [] })
  const roots: TreeNode[] = []
  for (const n of nodes) {
    const t = byId.get(n.id)!
    const parent = n.parent_id ? byId.get(n.parent_id) : undefined
    if (parent) parent.children.push(t)
    else roots.push(t)
  }
  const sort = (list: TreeNode[]) => {
    list.sort((a, b) => a.node.code.localeCompare(b.node.code) || a.label.localeCompare(b.label))
    list.forEach((c) => sort(c.children))
  }
  sort(roots)
  return roots
}

/** The ids along a materialised path `/a/b/c/`, root first. */
export function pathIds(path: string | undefined | null): string[] {
  return (path ?? '').split('/').filter(Boolean)
}

/** Names along `path` that are known in `byId`, joined with ` / `; unknown ids are left out. */
export function pathLabel(path: string | undefined | null, byId: Map<string, OrgNode>): string {
  return pathIds(path)
    .map((id) => byId.get(id)?.name)
    .filter(Boolean)
    .join(' / ')
}

/** A copy of `tree` with `id` and everything below it disabled (a node cannot move under itself). */
export function disableSubtree(tree: TreeNode[], id: string): TreeNode[] {
  const walk = (list: TreeNode[], off: boolean): TreeNode[] =>
    list.map((n) => {
      const d = off || n.id === id
      return { ...n, disabled: d, children: walk(n.children, d) }
    })
  return walk(tree, false)
}
