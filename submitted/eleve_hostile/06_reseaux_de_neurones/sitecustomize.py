print('sitecustomize')
