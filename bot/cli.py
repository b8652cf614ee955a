def main() -> None:
    print("prescreen")
