"""Hierarchical (residual) FSQ: the reference-exact quantizer and its exact rate-distortion.

Private modules: ``_residual``.
"""
from ._residual import (CompositeCells, HierarchyRD, HierarchySimulation, ResidualFSQ,
                        StageScaleFit, best_gain, composite_cells, hierarchy_rate_distortion,
                        optimize_stage_scales, simulate_hierarchy)

__all__ = ['CompositeCells', 'HierarchyRD', 'HierarchySimulation', 'ResidualFSQ', 'StageScaleFit',
    'best_gain', 'composite_cells', 'hierarchy_rate_distortion', 'optimize_stage_scales',
    'simulate_hierarchy']
