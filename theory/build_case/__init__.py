"""A Gaussian covariate case from a features matrix and labels: the library is
:func:`theory.covariance.case_from_features`; the command line is ``python -m theory.build_case``
(:mod:`theory.build_case.__main__`)."""

from theory.covariance import BuiltCase, case_from_features

__all__ = ["BuiltCase", "case_from_features"]
