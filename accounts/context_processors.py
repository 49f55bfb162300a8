

def roles(request):
    return {}
