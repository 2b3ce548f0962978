"""Dynamics: gradient flows whose basins are FSQ's cells, and the straight-through estimator.

Potentials whose gradient flow converges to FSQ's codes, their stability, and the correct Jacobian
of the straight-through estimator with toy STE training.

Private modules: ``_gradient_flow``, ``_ste``, ``_convergence`` (convergence of STE training: a
theorem for convex losses in the latent and its nonconvex counterexample), ``_seed_study``
(multi-seed STE training with confidence intervals).
"""
from ._gradient_flow import (GradientFlow, POTENTIALS, StabilityTable, code_potential_derivatives,
                             euler_map, exact_code_flow, flow_limit_codes, gradient_flow,
                             potential, potential_gradient, potential_hessian, stability_table)
from ._ste import (JACOBIANS, STEDescent, ToyTraining, axis_aligned_reference_loss,
                   dithered_code_mean, gaussian_log_likelihood, hard_clamp_bound, seed_indicator,
                   ste_descent, ste_jacobian, train_toy_autoencoder)
from ._convergence import (DoubleWellRun, QuadraticSTERun, double_well_ste_descent,
                           quadratic_ste_descent, random_convex_instance, ste_convergence_bound,
                           ste_gradient_error_bound)
from ._seed_study import SeedStudy, ste_seed_study

__all__ = ['GradientFlow', 'POTENTIALS', 'StabilityTable', 'code_potential_derivatives',
    'euler_map', 'exact_code_flow', 'flow_limit_codes', 'gradient_flow', 'potential',
    'potential_gradient', 'potential_hessian', 'stability_table', 'JACOBIANS', 'STEDescent',
    'ToyTraining', 'axis_aligned_reference_loss', 'dithered_code_mean', 'gaussian_log_likelihood',
    'hard_clamp_bound', 'seed_indicator', 'ste_descent', 'ste_jacobian', 'train_toy_autoencoder',
    'DoubleWellRun', 'QuadraticSTERun', 'SeedStudy', 'double_well_ste_descent',
    'quadratic_ste_descent', 'random_convex_instance', 'ste_convergence_bound',
    'ste_gradient_error_bound', 'ste_seed_study']
