"""Graph checks for a decision tree: dangling links, unreachable nodes, dead ends, cycles, depth.

The checks run on every node the loader could build, even partial ones, so that one broken node
does not hide problems elsewhere in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from faq.model import ContentProblem

if TYPE_CHECKING:
    from faq.decision_tree import TreeNode

MAX_QUESTIONS = 6

Cycle = tuple[tuple[str, ...], int]  # the node ids round the cycle and the line of its last link


def _targets(nodes: Mapping[str, TreeNode], node_id: str) -> list[str]:
    """The existing nodes that node_id links to, in choice order."""
    return [c.next for c in nodes[node_id].choices if c.next in nodes]


def _dangling(path: str, nodes: Mapping[str, TreeNode]) -> list[ContentProblem]:
    """Every choice whose 'next' names a node that does not exist."""
    return [
        ContentProblem(path, c.line, f"choice '{c.label}' leads to unknown node '{c.next}'")
        for node in nodes.values()
        for c in node.choices
        if c.next and c.next not in nodes
    ]


def _reachable(nodes: Mapping[str, TreeNode], start: str) -> set[str]:
    """Ids of the nodes that can be reached from start (start included)."""
    seen = {start}
    todo = [start]
    while todo:
        for target in _targets(nodes, todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _unreachable(path: str, nodes: Mapping[str, TreeNode], start: str) -> list[ContentProblem]:
    """Every node that no path from the start node reaches."""
    seen = _reachable(nodes, start)
    return [
        ContentProblem(path, node.line, f"node '{node_id}' cannot be reached from '{start}'")
        for node_id, node in nodes.items()
        if node_id not in seen
    ]


def _dead_ends(path: str, nodes: Mapping[str, TreeNode]) -> list[ContentProblem]:
    """Every question node from which no answer (leaf) can be reached."""
    parents: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for node_id in nodes:
        for target in _targets(nodes, node_id):
            parents[target].append(node_id)
    finished = {node_id for node_id, node in nodes.items() if node.is_leaf}
    todo = list(finished)
    while todo:
        for parent in parents[todo.pop()]:
            if parent not in finished:
                finished.add(parent)
                todo.append(parent)
    return [
        ContentProblem(path, node.line, f"dead end: no answer can be reached from '{node_id}'")
        for node_id, node in nodes.items()
        if node_id not in finished
    ]


def _walk(nodes: Mapping[str, TreeNode], roots: list[str]) -> tuple[list[str], list[Cycle]]:
    """Depth-first walk from roots: the nodes in post-order and every cycle met on the way."""
    state: dict[str, bool] = {}  # True while the node is on the current path, False when done
    order: list[str] = []
    cycles: list[Cycle] = []
    for root in (r for r in roots if r in nodes and r not in state):
        state[root] = True
        path = [root]
        stack = [iter(nodes[root].choices)]
        while stack:
            choice = next(stack[-1], None)
            if choice is None:
                stack.pop()
                state[path[-1]] = False
                order.append(path.pop())
            elif state.get(choice.next) is True:
                loop = (*path[path.index(choice.next) :], choice.next)
                cycles.append((loop, choice.line))
            elif choice.next in nodes and choice.next not in state:
                state[choice.next] = True
                path.append(choice.next)
                stack.append(iter(nodes[choice.next].choices))
    return order, cycles


def _cycle_problems(path: str, cycles: list[Cycle]) -> list[ContentProblem]:
    """One problem per cycle (the same nodes count once), at the choice that closes it."""
    problems: dict[frozenset[str], ContentProblem] = {}
    for loop, line in cycles:
        message = f"cycle: {' → '.join(loop)} (a choice may not lead back)"
        problems.setdefault(frozenset(loop), ContentProblem(path, line, message))
    return list(problems.values())


def _too_deep(path: str, nodes: Mapping[str, TreeNode], start: str) -> list[ContentProblem]:
    """Question nodes that come after MAX_QUESTIONS earlier questions (the tree has no cycles)."""
    depth: dict[str, int] = {start: 1 if not nodes[start].is_leaf else 0}
    via: dict[str, str] = {}
    for node_id in reversed(_walk(nodes, [start])[0]):  # topological order
        for target in _targets(nodes, node_id):
            candidate = depth[node_id] + (0 if nodes[target].is_leaf else 1)
            if candidate > depth.get(target, -1):
                depth[target], via[target] = candidate, node_id
    problems = []
    for node_id, count in depth.items():
        if count == MAX_QUESTIONS + 1 and not nodes[node_id].is_leaf:
            route = [node_id]
            while route[-1] in via:
                route.append(via[route[-1]])
            problems.append(
                ContentProblem(
                    path,
                    nodes[node_id].line,
                    f"'{node_id}' is question {count} on the path {' → '.join(reversed(route))};"
                    f" at most {MAX_QUESTIONS} questions before an answer",
                )
            )
    return problems


def graph_problems(path: str, nodes: Mapping[str, TreeNode], start: str) -> list[ContentProblem]:
    """All graph problems of the tree; reachability and depth need an existing start node."""
    _, cycles = _walk(nodes, list(nodes))
    problems = _dangling(path, nodes) + _dead_ends(path, nodes) + _cycle_problems(path, cycles)
    if start in nodes:
        problems += _unreachable(path, nodes, start)
        if not cycles:
            problems += _too_deep(path, nodes, start)
    return problems
