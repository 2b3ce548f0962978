"""Temporal: tokens of video-like latents over time, and tokens under forward diffusion.

Token persistence and flip rates of AR(1) latents, entropy-rate bounds, causal prediction, and how
FSQ tokens are destroyed by a diffusion model's forward process.

Private modules: ``_persistence`` (persistence, flip rate), ``_entropy_rate`` (entropy rate,
causal prediction), ``_diffusion``.
"""
from ._persistence import (FlipRate, TokenPersistenceMC, bivariate_normal_cdf,
                           consecutive_token_pmf, flip_rate, simulate_token_persistence,
                           token_persistence, vector_token_persistence)
from ._entropy_rate import (CausalPrediction, EntropyRateBounds, causal_prediction,
                            entropy_rate_bounds, predictive_token_distribution,
                            token_sequence_pmf)
from ._diffusion import (ForwardSimulation, TokenDiffusion, alpha_bar, beta_schedule,
                         code_grid_pmfs, simulate_forward, snr, token_diffusion, token_loss_time)

__all__ = ['CausalPrediction', 'EntropyRateBounds', 'FlipRate', 'TokenPersistenceMC',
    'bivariate_normal_cdf', 'causal_prediction', 'consecutive_token_pmf', 'entropy_rate_bounds',
    'flip_rate', 'predictive_token_distribution', 'simulate_token_persistence',
    'token_persistence', 'token_sequence_pmf', 'vector_token_persistence', 'ForwardSimulation',
    'TokenDiffusion', 'alpha_bar', 'beta_schedule', 'code_grid_pmfs', 'simulate_forward', 'snr',
    'token_diffusion', 'token_loss_time']
