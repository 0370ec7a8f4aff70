"""`ssj validate`: placeholder until the validator lands."""


def register(sub):
    p = sub.add_parser("validate", help="校验登记册 / validate the registry")
    p.set_defaults(func=lambda args: 0)
