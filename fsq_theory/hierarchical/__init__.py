"""Hierarchical (residual) FSQ: the reference-exact quantizer and its exact rate-distortion.

Private modules: ``_residual`` (the quantizer), ``_rate_distortion`` (its analysis).
"""
from ._residual import (ResidualFSQ)
from ._rate_distortion import (CompositeCells, HierarchyRD, HierarchySimulation, StageScaleFit,
                               best_gain, composite_cells, hierarchy_rate_distortion,
                               optimize_stage_scales, simulate_hierarchy)

__all__ = ['ResidualFSQ', 'CompositeCells', 'HierarchyRD', 'HierarchySimulation', 'StageScaleFit',
    'best_gain', 'composite_cells', 'hierarchy_rate_distortion', 'optimize_stage_scales',
    'simulate_hierarchy']
